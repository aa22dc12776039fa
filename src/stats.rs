//! The statistics papers report: percentiles as SPSS computes them by
//! default, and Cohen's kappa with its 95% confidence interval.

use serde::Serialize;

/// The name of the percentile method, printed beside every percentile.
pub const PERCENTILE_METHOD: &str = "SPSS default (HAVERAGE): weighted average at (n+1)p";

/// The `p`-th percentile (0 < p < 1) of `values` as SPSS computes it by
/// default (HAVERAGE): with the values sorted x₁ ≤ … ≤ xₙ and (n+1)p = i + f
/// (i whole, 0 ≤ f < 1), it is xᵢ + f·(xᵢ₊₁ − xᵢ); below x₁ it is x₁ and
/// above xₙ it is xₙ. `None` for no values.
pub fn spss_percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let w = (n as f64 + 1.0) * p;
    let i = w.floor();
    let f = w - i;
    let first = *sorted.first()?;
    let last = *sorted.last()?;
    if i < 1.0 {
        return Some(first);
    }
    if i >= n as f64 {
        return Some(last);
    }
    // 1-based x_i is sorted[i - 1].
    let k = i as usize;
    let lower = *sorted.get(k - 1)?;
    let upper = *sorted.get(k)?;
    Some(lower + f * (upper - lower))
}

/// Median and quartiles, SPSS's way.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quartiles {
    /// How many values.
    pub n: usize,
    /// The 50th percentile.
    pub median: f64,
    /// The 25th percentile.
    pub p25: f64,
    /// The 75th percentile.
    pub p75: f64,
}

/// The median (P25, P75) of `values`; `None` for none.
pub fn quartiles(values: &[f64]) -> Option<Quartiles> {
    Some(Quartiles {
        n: values.len(),
        median: spss_percentile(values, 0.5)?,
        p25: spss_percentile(values, 0.25)?,
        p75: spss_percentile(values, 0.75)?,
    })
}

/// Cohen's kappa of two raters over the same subjects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kappa {
    /// Subjects rated by both.
    pub n: usize,
    /// Observed agreement (a fraction).
    pub agreement: f64,
    /// Agreement expected by chance.
    pub expected: f64,
    /// Kappa; `None` when chance agreement is 1 (both raters gave one
    /// and the same category to everyone), where kappa is undefined.
    pub kappa: Option<f64>,
    /// Its large-sample standard error (Fleiss, Cohen & Everitt 1969).
    pub se: Option<f64>,
    /// kappa ± 1.96 se, clipped to kappa's range [-1, 1].
    pub ci: Option<(f64, f64)>,
}

/// Kappa from a square table of counts: `table[i][j]` subjects put in
/// category i by the first rater and j by the second.
///
/// The standard error is the large-sample one of Fleiss, Cohen & Everitt
/// (Psychol Bull 1969;72:323-327), with pᵢⱼ the cell proportions, pᵢ. and
/// p.ⱼ the margins, pₒ = Σ pᵢᵢ and pₑ = Σ pᵢ.p.ᵢ:
/// var = [Σᵢ pᵢᵢ(1 − (pᵢ. + p.ᵢ)(1 − κ))² + (1 − κ)² Σᵢ≠ⱼ pᵢⱼ(p.ᵢ + pⱼ.)²
///        − (κ − pₑ(1 − κ))²] / (n (1 − pₑ)²).
pub fn cohen_kappa(table: &[Vec<usize>]) -> Kappa {
    let k = table.len();
    let n: usize = table.iter().flatten().sum();
    let cell = |i: usize, j: usize| {
        table.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0) as f64 / n.max(1) as f64
    };
    let row: Vec<f64> = (0..k).map(|i| (0..k).map(|j| cell(i, j)).sum()).collect();
    let col: Vec<f64> = (0..k).map(|j| (0..k).map(|i| cell(i, j)).sum()).collect();
    let po: f64 = (0..k).map(|i| cell(i, i)).sum();
    let pe: f64 = row.iter().zip(&col).map(|(r, c)| r * c).sum();
    if n == 0 || (1.0 - pe).abs() < 1e-12 {
        return Kappa {
            n,
            agreement: po,
            expected: pe,
            kappa: None,
            se: None,
            ci: None,
        };
    }
    let kappa = (po - pe) / (1.0 - pe);
    let r = |i: usize| row.get(i).copied().unwrap_or(0.0);
    let c = |j: usize| col.get(j).copied().unwrap_or(0.0);
    let mut a = 0.0;
    for i in 0..k {
        a += cell(i, i) * (1.0 - (r(i) + c(i)) * (1.0 - kappa)).powi(2);
    }
    let mut b = 0.0;
    for i in 0..k {
        for j in 0..k {
            if i != j {
                b += cell(i, j) * (c(i) + r(j)).powi(2);
            }
        }
    }
    b *= (1.0 - kappa).powi(2);
    let correction = (kappa - pe * (1.0 - kappa)).powi(2);
    let variance = (a + b - correction) / (n as f64 * (1.0 - pe).powi(2));
    let se = variance.max(0.0).sqrt();
    Kappa {
        n,
        agreement: po,
        expected: pe,
        kappa: Some(kappa),
        se: Some(se),
        ci: Some(((kappa - 1.96 * se).max(-1.0), (kappa + 1.96 * se).min(1.0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spss_percentiles_by_hand() {
        // n = 4: (n+1)p = 1.25, 2.5, 3.75.
        // P25 = 1 + 0.25 (2 - 1) = 1.25; median = 2 + 0.5 (3 - 2) = 2.5;
        // P75 = 3 + 0.75 (10 - 3) = 8.25.
        let v = [10.0, 1.0, 3.0, 2.0];
        assert_eq!(spss_percentile(&v, 0.25), Some(1.25));
        assert_eq!(spss_percentile(&v, 0.5), Some(2.5));
        assert_eq!(spss_percentile(&v, 0.75), Some(8.25));
        // n = 1: every percentile is the value; (n+1)p below 1 clamps.
        assert_eq!(spss_percentile(&[7.0], 0.25), Some(7.0));
        // n = 2: P75 at 2.25 is beyond x2, so x2.
        assert_eq!(spss_percentile(&[1.0, 3.0], 0.75), Some(3.0));
        assert_eq!(spss_percentile(&[], 0.5), None);
    }

    #[test]
    fn kappa_by_hand() {
        // 2x2: [[20, 5], [10, 15]], n = 50.
        // po = (20 + 15)/50 = 0.7; rows 0.5, 0.5; columns 0.6, 0.4;
        // pe = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = (0.7 - 0.5)/0.5 = 0.4.
        // FCE variance: A = 0.4 (1 - 1.1*0.6)^2 + 0.3 (1 - 0.9*0.6)^2
        //   = 0.4*0.1156 + 0.3*0.2116 = 0.04624 + 0.06348 = 0.10972;
        // B = 0.36 [0.1 (0.6+0.5)^2 + 0.2 (0.4+0.5)^2] = 0.36 (0.121 + 0.162)
        //   = 0.10188; C = (0.4 - 0.5*0.6)^2 = 0.01;
        // var = (0.10972 + 0.10188 - 0.01)/(50 * 0.25) = 0.2016/12.5 = 0.016128;
        // se = 0.126997.
        let k = cohen_kappa(&[vec![20, 5], vec![10, 15]]);
        assert_eq!(k.n, 50);
        assert!((k.agreement - 0.7).abs() < 1e-12);
        assert!((k.kappa.unwrap_or(f64::NAN) - 0.4).abs() < 1e-12);
        assert!((k.se.unwrap_or(f64::NAN) - 0.016128f64.sqrt()).abs() < 1e-9);
        let (lo, hi) = k.ci.unwrap_or((f64::NAN, f64::NAN));
        assert!((lo - (0.4 - 1.96 * 0.016128f64.sqrt())).abs() < 1e-9);
        assert!((hi - (0.4 + 1.96 * 0.016128f64.sqrt())).abs() < 1e-9);
    }

    #[test]
    fn perfect_agreement_is_kappa_one_with_no_spread() {
        let k = cohen_kappa(&[vec![3, 0], vec![0, 2]]);
        assert_eq!(k.kappa, Some(1.0));
        assert!(k.se.unwrap_or(1.0).abs() < 1e-12);
    }

    #[test]
    fn one_category_for_everyone_leaves_kappa_undefined() {
        let k = cohen_kappa(&[vec![5]]);
        assert_eq!(k.kappa, None);
        assert_eq!(k.agreement, 1.0);
    }
}
