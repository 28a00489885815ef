//! CSR rows of the feature blocks: stacking side by side (with the context gate) and the
//! row-wise dot product of the linear models, as `classifier/features/_csr.py` (the reference)
//! does them, operation by operation: products of two floats rounded to float64, sums taken
//! one addition after the other from 0.0, so the results are the reference's to the bit.

use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The rows of `indptr` as ranges of the data, checked (no panic on a malformed one).
pub fn row_ranges(indptr: &[i64], n_data: usize) -> PyResult<Vec<(usize, usize)>> {
    let bad = || PyValueError::new_err("indptr does not describe the data");
    indptr
        .windows(2)
        .map(|pair| {
            let start = usize::try_from(pair[0]).map_err(|_| bad())?;
            let end = usize::try_from(pair[1]).map_err(|_| bad())?;
            if start > end || end > n_data {
                return Err(bad());
            }
            Ok((start, end))
        })
        .collect()
}

/// The values of a block, float32 or float64, read as float64 (exact).
enum Values<'py> {
    F32(PyReadonlyArray1<'py, f32>),
    F64(PyReadonlyArray1<'py, f64>),
}

impl<'py> Values<'py> {
    fn of(data: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(array) = data.downcast::<PyArray1<f32>>() {
            Ok(Values::F32(array.try_readonly()?))
        } else if let Ok(array) = data.downcast::<PyArray1<f64>>() {
            Ok(Values::F64(array.try_readonly()?))
        } else {
            Err(PyValueError::new_err(
                "data must be a float32 or float64 array",
            ))
        }
    }

    /// Values `start..end`, appended as float64, each multiplied by `scale` if given.
    fn extend(
        &self,
        range: (usize, usize),
        scale: Option<f64>,
        out: &mut Vec<f64>,
    ) -> PyResult<()> {
        let (start, end) = range;
        match self {
            Values::F32(array) => {
                let row = &array.as_slice()?[start..end];
                match scale {
                    Some(s) => out.extend(row.iter().map(|&v| f64::from(v) * s)),
                    None => out.extend(row.iter().map(|&v| f64::from(v))),
                }
            }
            Values::F64(array) => {
                let row = &array.as_slice()?[start..end];
                match scale {
                    Some(s) => out.extend(row.iter().map(|&v| v * s)),
                    None => out.extend_from_slice(row),
                }
            }
        }
        Ok(())
    }
}

/// A block as Python passes it: `(data, indices, indptr, width)`.
type BlockArrays<'py> = (
    Bound<'py, PyAny>,
    PyReadonlyArray1<'py, i32>,
    PyReadonlyArray1<'py, i64>,
    i64,
);

/// One block: its values, columns, row ranges and width.
struct Block<'py> {
    values: Values<'py>,
    indices: PyReadonlyArray1<'py, i32>,
    rows: Vec<(usize, usize)>,
    width: i64,
}

/// `Rows.hstack`: blocks `(data, indices, indptr, width)` side by side, data as float64 (or
/// float32 if every block's is and nothing is scaled); with `scale`, each entry of every
/// block but the last multiplied by its row's scale (the context gate, `_context.gate`).
/// Returns `(data, indices, indptr)`.
#[pyfunction]
#[pyo3(signature = (blocks, scale=None))]
fn hstack<'py>(
    py: Python<'py>,
    blocks: Vec<BlockArrays<'py>>,
    scale: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<(PyObject, PyObject, PyObject)> {
    let bad = |what: &str| PyValueError::new_err(format!("hstack: {what}"));
    let blocks = blocks
        .into_iter()
        .map(|(data, indices, indptr, width)| {
            let values = Values::of(&data)?;
            let n_data = indices.len()?;
            let rows = row_ranges(indptr.as_slice()?, n_data)?;
            let n_values = match &values {
                Values::F32(a) => a.len()?,
                Values::F64(a) => a.len()?,
            };
            if n_values != n_data || width < 0 {
                return Err(bad("data, indices and width disagree"));
            }
            Ok(Block {
                values,
                indices,
                rows,
                width,
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let n_rows = blocks.first().map_or(0, |b| b.rows.len());
    if blocks.iter().any(|b| b.rows.len() != n_rows) {
        return Err(bad("blocks of different lengths"));
    }
    let scale = match &scale {
        Some(array) => {
            let values = array.as_slice()?;
            if values.len() != n_rows {
                return Err(bad("one scale per row is needed"));
            }
            Some(values)
        }
        None => None,
    };
    let n_entries: usize = blocks
        .iter()
        .map(|b| b.rows.last().map_or(0, |r| r.1))
        .sum();
    let mut data = Vec::with_capacity(n_entries);
    let mut indices = Vec::with_capacity(n_entries);
    let mut indptr = Vec::with_capacity(n_rows + 1);
    indptr.push(0i64);
    let columns: Vec<&[i32]> = blocks
        .iter()
        .map(|b| b.indices.as_slice())
        .collect::<Result<_, _>>()?;
    let last = blocks.len().saturating_sub(1);
    for row in 0..n_rows {
        let mut offset = 0i64;
        for (b, block) in blocks.iter().enumerate() {
            let range = block.rows[row];
            let factor = scale.filter(|_| b < last).map(|s| s[row]);
            block.values.extend(range, factor, &mut data)?;
            let offset32 = i32::try_from(offset).map_err(|_| bad("too many columns"))?;
            indices.extend(columns[b][range.0..range.1].iter().map(|&c| c + offset32));
            offset += block.width;
        }
        indptr.push(data.len() as i64);
    }
    let all_f32 = blocks.iter().all(|b| matches!(b.values, Values::F32(_)));
    let data = if all_f32 && scale.is_none() {
        // Every value came from a float32: the conversion back is exact.
        let data: Vec<f32> = data.into_iter().map(|v| v as f32).collect();
        data.into_pyarray(py).into_any().unbind()
    } else {
        data.into_pyarray(py).into_any().unbind()
    };
    Ok((
        data,
        indices.into_pyarray(py).into_any().unbind(),
        indptr.into_pyarray(py).into_any().unbind(),
    ))
}

/// `row_sums(data.astype(float64) * weights[indices], indptr)`: each row's dot product with
/// `weights`, its products added one after the other from 0.0 (as SciPy's `csr_matvec`).
#[pyfunction]
fn row_dots<'py>(
    py: Python<'py>,
    data: Bound<'py, PyAny>,
    indices: PyReadonlyArray1<'py, i32>,
    indptr: PyReadonlyArray1<'py, i64>,
    weights: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let values = Values::of(&data)?;
    let (indices, weights) = (indices.as_slice()?, weights.as_slice()?);
    let rows = row_ranges(indptr.as_slice()?, indices.len())?;
    let weight = |c: i32| {
        usize::try_from(c)
            .ok()
            .and_then(|c| weights.get(c).copied())
            .ok_or_else(|| PyValueError::new_err("row_dots: a column has no weight"))
    };
    let mut sums = Vec::with_capacity(rows.len());
    let mut row = Vec::new();
    for range in rows {
        row.clear();
        values.extend(range, None, &mut row)?;
        let mut sum = 0.0f64;
        for (&v, &c) in row.iter().zip(&indices[range.0..range.1]) {
            sum += v * weight(c)?;
        }
        sums.push(sum);
    }
    Ok(sums.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(hstack, m)?)?;
    m.add_function(wrap_pyfunction!(row_dots, m)?)?;
    Ok(())
}
