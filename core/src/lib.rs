//! The compiled text core of `classifier`, imported from Python as `classifier_core`.
//!
//! Each module mirrors one Python module, which stays the reference: the Python package
//! calls into this one through `classifier/_core.py`, and tests assert identical results.

use pyo3::prelude::*;

// Normalisation makes and drops a few small buffers per ad: mimalloc's thread-local free
// lists serve them faster than the C library's allocator (about 1 µs per ad of features).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod analysis;
mod bytes;
mod contacts;
mod csr;
mod fold;
mod indicators;
mod ngrams;
mod normalize;
mod words;

/// The alignment Python gives a pyclass's object, which this PyO3 does not correct for more:
/// a field that needs 32 (AVX2 vectors, as in a memchr `Finder`) would be read misaligned (a
/// crash seen in the test suite). Each pyclass asserts it needs no more; such data must sit
/// behind a pointer (a `Box`, or the `Arc` inside a regex).
pub(crate) const PYCLASS_ALIGN: usize = 16;

#[pymodule]
fn classifier_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    fold::register(m)?;
    contacts::register(m)?;
    words::register(m)?;
    indicators::register(m)?;
    ngrams::register(m)?;
    csr::register(m)?;
    normalize::register(m)?;
    Ok(())
}
