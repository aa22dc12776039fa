//! A generator of realistic synthetic cohorts for benchmarks and demos:
//! lognormal baseline uPCR, an exponential response (or none), relapses,
//! albumin following uPCR, creatinine noise, visits on jittered days, units
//! varied as clinical data vary, rows shuffled. Deterministic for a seed.
//! The output is plainly synthetic: ids are `S000001`, `S000002`, ….

use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Number of patients.
    pub patients: usize,
    /// Visits per patient (the first at day 0, then about monthly).
    pub visits: usize,
    /// The random seed.
    pub seed: u64,
}

/// A small deterministic generator (SplitMix64), enough for synthetic
/// data and free of dependencies.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize
    }
}

/// One patient's course.
struct Course {
    baseline_upcr: f64,
    floor: f64,
    tau: f64,
    relapse_day: Option<f64>,
    creatinine: f64,
}

impl Course {
    fn draw(rng: &mut Rng) -> Course {
        let responder = rng.uniform() < 0.7;
        Course {
            // Lognormal around 4 g/g.
            baseline_upcr: (4.0f64.ln() + 0.6 * rng.normal()).exp(),
            floor: if responder {
                rng.between(0.02, 0.6)
            } else {
                rng.between(0.7, 1.1)
            },
            tau: rng.between(15.0, 90.0),
            relapse_day: (responder && rng.uniform() < 0.25).then(|| rng.between(120.0, 600.0)),
            creatinine: (90.0 + 20.0 * rng.normal()).clamp(45.0, 300.0),
        }
    }

    fn upcr(&self, day: f64, rng: &mut Rng) -> f64 {
        let response = self.floor + (1.0 - self.floor) * (-day.max(0.0) / self.tau).exp();
        let mut value = self.baseline_upcr * response;
        if let Some(r) = self.relapse_day {
            if day >= r && day < r + 60.0 {
                value = self.baseline_upcr * rng.between(0.8, 1.4);
            }
        }
        (value * (1.0 + 0.1 * rng.normal())).max(0.01)
    }
}

/// Write the observations (long layout) and, if asked, the treatments
/// (rituximab on day 0 for everyone, a prednisone course for some).
pub fn generate(
    options: Options,
    observations: &mut impl Write,
    treatments: Option<&mut dyn Write>,
) -> io::Result<()> {
    let mut rng = Rng(options.seed);
    let mut rows: Vec<String> = Vec::with_capacity(options.patients * options.visits * 3);
    let mut courses: Vec<String> = Vec::new();
    for p in 1..=options.patients {
        let id = format!("S{p:06}");
        let course = Course::draw(&mut rng);
        for v in 0..options.visits {
            let day = if v == 0 {
                -(rng.below(8) as i64)
            } else {
                (v as f64 * 30.4375 + rng.between(-7.0, 7.0)).round() as i64
            };
            let upcr = course.upcr(day as f64, &mut rng);
            let albumin = (42.0 - 6.0 * upcr.powf(0.7) + 1.5 * rng.normal()).clamp(10.0, 50.0);
            let scr = course.creatinine * (1.0 + 0.08 * rng.normal());
            rows.push(match rng.below(5) {
                0 => format!("{id},{day},upcr,{:.1},mg/mmol", upcr * 113.12),
                _ => format!("{id},{day},upcr,{upcr:.3},g/g"),
            });
            rows.push(match rng.below(5) {
                0 => format!("{id},{day},albumin,{:.2},g/dL", albumin / 10.0),
                _ => format!("{id},{day},albumin,{albumin:.1},g/L"),
            });
            rows.push(match rng.below(5) {
                0 => format!("{id},{day},scr,{:.2},mg/dL", scr / 88.42),
                _ => format!("{id},{day},scr,{scr:.0},umol/L"),
            });
        }
        courses.push(format!("{id},rituximab,0,0,375,mg/m2"));
        if rng.uniform() < 0.3 {
            let dose = rng.between(30.0, 60.0).round();
            courses.push(format!("{id},prednisone,0,56,{dose},mg/d"));
            courses.push(format!(
                "{id},prednisone,57,112,{},mg/d",
                (dose / 2.0).round()
            ));
        }
    }
    // Shuffle (Fisher-Yates): real exports are neither sorted nor grouped.
    for i in (1..rows.len()).rev() {
        let j = rng.below(i + 1);
        rows.swap(i, j);
    }
    writeln!(observations, "patient,day,measure,value,unit")?;
    for row in &rows {
        writeln!(observations, "{row}")?;
    }
    if let Some(out) = treatments {
        writeln!(out, "patient,drug,start,end,dose,unit")?;
        for row in &courses {
            writeln!(out, "{row}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_cohort() {
        let options = Options {
            patients: 3,
            visits: 4,
            seed: 7,
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        generate(options, &mut a, None).expect("writes");
        generate(options, &mut b, None).expect("writes");
        assert_eq!(a, b);
        let text = String::from_utf8(a).expect("UTF-8");
        // A header and 3 patients x 4 visits x 3 measures.
        assert_eq!(text.lines().count(), 1 + 36);
    }
}
