//! Mappings: how a layout that is not the long CSV of `DATA.md` (a Synthea
//! export, an OMOP table, a cohort's own file) is read. A YAML file names
//! the columns, the codes that mean each measure, extra unit spellings and
//! fixed units. Without a mapping the long layout's own column names and
//! the measure vocabulary are used.
//!
//! ```yaml
//! observations: { patient: PATIENT, date: DATE, code: CODE, value: VALUE, unit: UNITS }
//! measures:
//!   scr: ["38483-4", "2160-0"]
//! units:
//!   "mL/min": mL/min/1.73m2
//! default_units:
//!   presence: ""
//! ```

use super::error::DataError;
use super::MeasureId;
use crate::measures;
use crate::units::{self, Unit};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Which columns of the observations file hold what. A name left out takes
/// the long layout's name (`patient`, `day` or `date`, `measure`, `value`,
/// `unit`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationColumns {
    /// The patient id column.
    pub patient: Option<String>,
    /// A column of whole days.
    pub day: Option<String>,
    /// A column of ISO dates or timestamps.
    pub date: Option<String>,
    /// A column of either, told apart by the text.
    pub time: Option<String>,
    /// The column whose text names the measure (a measure id or a code).
    #[serde(alias = "measure")]
    pub code: Option<String>,
    /// The value column.
    pub value: Option<String>,
    /// The unit column; without it every unit comes from `default_units`.
    pub unit: Option<String>,
}

/// Which columns of the treatments file hold what (default: `patient`,
/// `drug`, `start`, `end`, `dose`, `unit`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatmentColumns {
    /// The patient id column.
    pub patient: Option<String>,
    /// The drug column.
    pub drug: Option<String>,
    /// The first day or date of the course.
    pub start: Option<String>,
    /// The last day or date, empty while ongoing.
    pub end: Option<String>,
    /// The dose.
    pub dose: Option<String>,
    /// The dose's unit.
    pub unit: Option<String>,
}

/// Which columns of the patients file hold what (default: the names
/// themselves).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientColumns {
    /// The patient id column.
    pub patient: Option<String>,
    /// Sex (`female`, `male`, `F`, `M`).
    pub sex: Option<String>,
    /// Age in years.
    pub age: Option<String>,
    /// Date of birth.
    pub birth_date: Option<String>,
    /// Weight in kg.
    pub weight_kg: Option<String>,
    /// Height in cm.
    pub height_cm: Option<String>,
    /// The index date (day 0).
    pub index_date: Option<String>,
}

/// The YAML file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    /// Free text: where the layout comes from.
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    observations: ObservationColumns,
    /// Measure id → the codes (as the code column writes them) that mean it.
    #[serde(default)]
    measures: BTreeMap<String, Vec<String>>,
    /// Codes known and deliberately not used (the same as leaving them out,
    /// but says that it was meant).
    #[serde(default)]
    not_used: Vec<String>,
    /// Unit spelling in the data → a spelling of the unit table.
    #[serde(default)]
    units: BTreeMap<String, String>,
    /// Measure id → the unit of its rows whose unit cell is empty.
    #[serde(default)]
    default_units: BTreeMap<String, String>,
    #[serde(default)]
    treatments: TreatmentColumns,
    #[serde(default)]
    patients: PatientColumns,
    /// Drug name → the codes or texts that mean it in the treatments file.
    #[serde(default)]
    drugs: BTreeMap<String, Vec<String>>,
}

/// What a code in the data means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMeaning {
    /// A measure of the vocabulary.
    Measure(MeasureId),
    /// Nothing that nephrules uses.
    NotUsed,
}

/// A checked mapping, ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// The observations file's columns.
    pub observations: ObservationColumns,
    /// The treatments file's columns.
    pub treatments: TreatmentColumns,
    /// The patients file's columns.
    pub patients: PatientColumns,
    codes: FxHashMap<String, CodeMeaning>,
    units: FxHashMap<String, Unit>,
    default_units: FxHashMap<MeasureId, (String, Unit)>,
    drugs: FxHashMap<String, String>,
}

/// Fold a code or unit spelling for lookup: trimmed, ASCII lowercase, `µ`
/// and `μ` as `u`.
pub(crate) fn fold(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            'µ' | 'μ' => 'u',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl Mapping {
    /// Read and check a mapping file.
    pub fn load(path: &Path) -> Result<Mapping, DataError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| DataError::Unreadable {
            file: name.clone(),
            reason: e.to_string(),
        })?;
        Mapping::from_yaml(&name, &text)
    }

    /// Check a mapping given as YAML text; `name` names it in errors.
    pub fn from_yaml(name: &str, text: &str) -> Result<Mapping, DataError> {
        let error = |reason: String, help: &str| DataError::Mapping {
            file: name.into(),
            reason,
            help: help.into(),
        };
        let file: MappingFile = if text.trim().is_empty() {
            MappingFile::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| {
                error(
                    e.to_string(),
                    "a mapping has the sections `observations`, `measures`, `not_used`, `units`, \
                     `default_units`, `treatments`, `patients` and `drugs`",
                )
            })?
        };
        let measure_id = |name: &str| -> Result<MeasureId, DataError> {
            measures::find(name)
                .and_then(|m| measures::index_of(m.id))
                .and_then(MeasureId::from_index)
                .ok_or_else(|| {
                    let help = match crate::diagnostics::closest(name, measures::all_names()) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!(
                            "the measures are {}",
                            measures::MEASURES
                                .iter()
                                .map(|m| format!("`{}`", m.id))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    error(format!("`{name}` is not a measure"), &help)
                })
        };
        let table_unit = |spelling: &str| -> Result<Unit, DataError> {
            if spelling.trim().is_empty() {
                return Ok(units::DIMENSIONLESS);
            }
            units::lookup(spelling).ok_or_else(|| {
                let help = match units::suggest(spelling) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "name a unit of the unit table, or `\"\"` for none".into(),
                };
                error(format!("`{spelling}` is not a unit nephrules knows"), &help)
            })
        };

        let mut codes = FxHashMap::default();
        for (measure, list) in &file.measures {
            let id = measure_id(measure)?;
            for code in list {
                if let Some(CodeMeaning::Measure(other)) =
                    codes.insert(fold(code), CodeMeaning::Measure(id))
                {
                    if other != id {
                        return Err(error(
                            format!(
                                "code `{code}` is listed for both `{}` and `{}`",
                                other.measure().id,
                                id.measure().id
                            ),
                            "list each code under one measure",
                        ));
                    }
                }
            }
        }
        for code in &file.not_used {
            if let Some(CodeMeaning::Measure(id)) = codes.get(&fold(code)) {
                return Err(error(
                    format!(
                        "code `{code}` is listed under `not_used` and for `{}`",
                        id.measure().id
                    ),
                    "list each code once",
                ));
            }
            codes.insert(fold(code), CodeMeaning::NotUsed);
        }
        let mut unit_map = FxHashMap::default();
        for (spelling, target) in &file.units {
            unit_map.insert(fold(spelling), table_unit(target)?);
        }
        let mut default_units = FxHashMap::default();
        for (measure, spelling) in &file.default_units {
            let id = measure_id(measure)?;
            let unit = match unit_map.get(&fold(spelling)) {
                Some(u) => *u,
                None => table_unit(spelling)?,
            };
            if id.measure().factor_from(unit).is_none() {
                return Err(error(
                    format!(
                        "default unit `{spelling}` does not fit measure `{}`",
                        id.measure().id
                    ),
                    "give a unit of the measure's dimension",
                ));
            }
            default_units.insert(id, (spelling.clone(), unit));
        }
        let mut drugs = FxHashMap::default();
        for (drug, list) in &file.drugs {
            for code in list {
                drugs.insert(fold(code), drug.to_lowercase());
            }
        }
        Ok(Mapping {
            observations: file.observations,
            treatments: file.treatments,
            patients: file.patients,
            codes,
            units: unit_map,
            default_units,
            drugs,
        })
    }

    /// What a code means: the mapping's own codes first, then the measure
    /// vocabulary's ids and aliases.
    pub fn code(&self, code: &str) -> CodeMeaning {
        if let Some(meaning) = self.codes.get(&fold(code)) {
            return *meaning;
        }
        measures::find(code.trim())
            .and_then(|m| measures::index_of(m.id))
            .and_then(MeasureId::from_index)
            .map_or(CodeMeaning::NotUsed, CodeMeaning::Measure)
    }

    /// The unit a spelling means: the mapping's spellings first, then the
    /// unit table.
    pub fn unit(&self, spelling: &str) -> Option<Unit> {
        self.units
            .get(&fold(spelling))
            .copied()
            .or_else(|| units::lookup(spelling))
    }

    /// The unit of a measure's rows whose unit cell is empty: the spelling
    /// the mapping gave, and the unit.
    pub fn default_unit(&self, measure: MeasureId) -> Option<(&str, Unit)> {
        self.default_units
            .get(&measure)
            .map(|(s, u)| (s.as_str(), *u))
    }

    /// The drug a treatment's text names: the mapping's name for it, else
    /// the text lowercased.
    pub fn drug(&self, text: &str) -> String {
        self.drugs
            .get(&fold(text))
            .cloned()
            .unwrap_or_else(|| text.trim().to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_measures_before_the_vocabulary() {
        let m = Mapping::from_yaml(
            "m",
            "measures:\n  egfr: [gfr, 33914-3]\n  presence: [proteinuria]\n",
        )
        .unwrap_or_default();
        let egfr = MeasureId::of("egfr");
        assert_eq!(
            m.code("33914-3"),
            egfr.map_or(CodeMeaning::NotUsed, CodeMeaning::Measure)
        );
        assert_eq!(m.code("GFR"), m.code("gfr"));
        assert_eq!(m.code("haematocrit"), CodeMeaning::NotUsed);
        assert!(matches!(m.code("upcr"), CodeMeaning::Measure(_)));
    }

    #[test]
    fn a_wrong_mapping_is_a_clear_error() {
        for (yaml, wanted) in [
            ("measures:\n  albumen: [x]\n", "did you mean"),
            ("units:\n  x: furlongs\n", "not a unit"),
            ("measures:\n  scr: [a]\n  albumin: [a]\n", "both"),
            ("default_units:\n  scr: g/g\n", "does not fit"),
            ("colums: {}\n", "unknown field"),
            ("observations: [1, 2]\n", "observations"),
        ] {
            let err = Mapping::from_yaml("m.yaml", yaml)
                .err()
                .map(|e| format!("{e} {:?}", e));
            assert!(
                err.as_deref().is_some_and(|e| e.contains(wanted)),
                "{yaml}: {err:?}"
            );
        }
    }
}
