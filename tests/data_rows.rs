//! Every kind of bad row, the layouts' details (CRLF, BOM, quoted fields,
//! header case, unsorted rows) and inputs that must not panic.

mod common;

use common::{close, load_text};
use nephrules::data::{DataError, LoadOptions, Loader, Mapping, MeasureId, RowReason, TimeKind};

/// The bad row that stops loading `csv`, as (line, column, reason).
fn bad(csv: &str) -> (u64, String, RowReason) {
    match load_text(csv, None, false) {
        Err(DataError::BadRow(row)) => {
            assert_eq!(row.file, "obs.csv");
            (row.line, row.column, row.reason)
        }
        other => panic!("expected a bad row in {csv:?}, got {other:?}"),
    }
}

/// A test of the reason a bad row gives.
type IsReason = fn(&RowReason) -> bool;

const H: &str = "patient,day,measure,value,unit\n";

#[test]
fn each_kind_of_bad_row_names_its_line_column_and_reason() {
    let cases: Vec<(String, u64, &str, IsReason)> =
        vec![
        (
            format!("{H}p1,0,upcr,1,g/g\np1,1,upcr,abc,g/g\n"),
            3,
            "value",
            |r| matches!(r, RowReason::NotANumber { text } if text == "abc"),
        ),
        (format!("{H}p1,0,dipstick,5+,\n"), 2, "value", |r| {
            matches!(r, RowReason::NotAGrade { .. })
        }),
        (format!("{H}p1,2147483647,upcr,1,g/g\np1,-2147483649,upcr,1,g/g\n"), 3, "day", |r| {
            matches!(r, RowReason::DayOutOfRange { text } if text == "-2147483649")
        }),
        (format!("{H}p1,0,presence,2,\n"), 2, "value", |r| {
            matches!(r, RowReason::NotAPresence { .. })
        }),
        (format!("{H}p1,0,albumin,-3,g/L\n"), 2, "value", |r| {
            matches!(r, RowReason::Negative { .. })
        }),
        (format!("{H}p1,0,albumin,inf,g/L\n"), 2, "value", |r| {
            matches!(r, RowReason::NotFinite { .. })
        }),
        (format!("{H}p1,0,albumin,NaN,g/L\n"), 2, "value", |r| {
            matches!(r, RowReason::NotFinite { .. })
        }),
        (format!("{H}p1,0,albumin,,g/L\n"), 2, "value", |r| {
            matches!(r, RowReason::Empty)
        }),
        (format!("{H}p1,0,albumin,30,g/g\n"), 2, "unit", |r| {
            matches!(
                r,
                RowReason::UnitDoesNotFit {
                    measure: "albumin",
                    ..
                }
            )
        }),
        (format!("{H}p1,0,albumin,30,furlongs\n"), 2, "unit", |r| {
            matches!(r, RowReason::UnknownUnit { .. })
        }),
        (format!("{H}p1,0,upcr,3,\n"), 2, "unit", |r| {
            matches!(r, RowReason::MissingUnit { measure: "upcr" })
        }),
        (format!("{H},0,upcr,3,g/g\n"), 2, "patient", |r| {
            matches!(r, RowReason::Empty)
        }),
        (format!("{H}p1,3.5,upcr,3,g/g\n"), 2, "day", |r| {
            matches!(r, RowReason::NotADay { .. })
        }),
        (
            "patient,date,measure,value,unit\np1,2021-02-30,upcr,3,g/g\n".into(),
            2,
            "date",
            |r| matches!(r, RowReason::NotADate { .. }),
        ),
        (
            "patient,day,date,measure,value,unit\np1,3,,upcr,3,g/g\np1,,2021-03-04,upcr,3,g/g\n"
                .into(),
            3,
            "date",
            |r| matches!(r, RowReason::MixedTime { first: "day", .. }),
        ),
        (
            format!("{H}p1,0,upcr,3,g/g\np1,1,upcr,3,g/g\np1,0,upcr,3,g/g\n"),
            4,
            "value",
            |r| matches!(r, RowReason::Duplicate { first_line: 2 }),
        ),
    ];
    for (csv, line, column, reason) in cases {
        let (l, c, r) = bad(&csv);
        assert_eq!((l, c.as_str()), (line, column), "{csv}");
        assert!(reason(&r), "{csv}: {r:?}");
    }
}

#[test]
fn the_error_message_names_file_line_column_and_reason() {
    let err = load_text(
        &format!("{H}p1,0,upcr,1,g/g\np1,1,upcr,abc,g/g\n"),
        None,
        false,
    )
    .err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        text,
        "`obs.csv` line 3, column `value`: `abc` is not a number"
    );
}

#[test]
fn skipping_bad_rows_reports_each_and_counts_them() {
    let csv = format!("{H}p1,0,upcr,1,g/g\np1,1,upcr,abc,g/g\np1,2,upcr,-1,g/g\np1,2,hba1c,7,%\np1,3,upcr,2,g/g\n");
    let loaded = load_text(&csv, None, true).unwrap_or_else(|e| panic!("{e:?}"));
    let a = &loaded.accounting;
    assert_eq!((a.rows, a.used, a.not_used, a.skipped), (5, 2, 1, 2));
    let lines: Vec<u64> = loaded.skipped.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4]);
    assert_eq!(
        a.measures.get("upcr").map(|m| (m.used, m.skipped)),
        Some((2, 2))
    );
    assert_eq!(a.not_used_codes.get("hba1c"), Some(&1));
}

#[test]
fn rows_of_unknown_measures_are_not_used_whatever_they_hold() {
    let csv = format!("{H}p1,0,haematocrit,abc,furlongs\n,x,,,\np1,0,upcr,1,g/g\n");
    let loaded = load_text(&csv, None, false).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((loaded.accounting.used, loaded.accounting.not_used), (1, 2));
}

#[test]
fn crlf_bom_quoted_fields_and_header_case() {
    let csv = "\u{feff}Patient,DAY,Measure,Value,Unit\r\n\"p 1, A\",0,\"uPCR\",\"300\",mg/g\r\n\"p \"\"2\"\"\",-3,albumin,3.1,g/dL\r\n";
    let loaded = load_text(csv, None, false).unwrap_or_else(|e| panic!("{e:?}"));
    let ids: Vec<&str> = loaded
        .dataset
        .patients
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["p \"2\"", "p 1, A"]);
    let p1 = loaded
        .dataset
        .patient("p 1, A")
        .map(|p| p.observations.clone())
        .unwrap_or_default();
    assert_eq!(p1.len(), 1);
    assert!(close(p1[0].value, 0.3));
    assert_eq!(p1[0].original, 300.0);
    assert_eq!(loaded.dataset.unit_spelling(p1[0].unit), "mg/g");
    let p2 = loaded
        .dataset
        .patient("p \"2\"")
        .map(|p| p.observations.clone())
        .unwrap_or_default();
    assert_eq!((p2[0].day, p2[0].value), (-3, 31.0));
}

#[test]
fn a_bad_row_after_crlf_lines_has_the_right_line_number() {
    let csv = "patient,day,measure,value,unit\r\np1,0,upcr,1,g/g\r\n\"p\r\n2\",0,upcr,1,g/g\r\np3,0,upcr,x,g/g\r\n";
    for csv in [csv.to_string(), csv.replace("\r\n", "\n")] {
        match load_text(&csv, None, false) {
            Err(DataError::BadRow(row)) => assert_eq!(row.line, 5, "{csv:?}"),
            other => panic!("{other:?}"),
        }
    }
    let blank_lines = "patient,day,measure,value,unit\r\n\r\np,0,upcr,1,g/g\r\n\r\n";
    let rows = load_text(blank_lines, None, false)
        .map(|l| l.accounting.rows)
        .ok();
    assert_eq!(rows, Some(1));
}

/// The csv crate gives the row after blank lines the line of the first
/// blank (BurntSushi/rust-csv#208); the loader counts them, whether it
/// reads text or a file.
#[test]
fn blank_lines_do_not_shift_the_line_of_a_bad_row() {
    let cases = [
        (
            "patient,day,measure,value,unit\np1,0,upcr,1,g/g\n\np1,1,upcr,x,g/g\n",
            4,
        ),
        ("patient,day,measure,value,unit\n\n\n\np1,1,upcr,x,g/g\n", 5),
        (
            "patient,day,measure,value,unit\np1,0,upcr,1,g/g\n\n\n\np1,1,upcr,x,g/g",
            6,
        ),
        (
            "patient,day,measure,value,unit\r\np1,0,upcr,1,g/g\r\n\r\n\np1,1,upcr,x,g/g\r\n",
            5,
        ),
    ];
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (csv, line) in cases {
        match load_text(csv, None, false) {
            Err(DataError::BadRow(row)) => assert_eq!(row.line, line, "text {csv:?}"),
            other => panic!("{other:?}"),
        }
        let path = dir.path().join("obs.csv");
        std::fs::write(&path, csv).unwrap_or_else(|e| panic!("{e}"));
        let mut loader = Loader::new(LoadOptions::default());
        match loader.read_observations_file(&path) {
            Err(DataError::BadRow(row)) => assert_eq!(row.line, line, "file {csv:?}"),
            other => panic!("{other:?}"),
        }
    }
}

/// A file is read in stretches on several threads; a patient whose rows
/// change from days to dates is still caught at the first row that does,
/// wherever the stretches were cut.
#[test]
fn mixed_times_are_caught_at_the_first_row_that_mixes_them_in_a_file() {
    let mut csv = String::from("patient,time,measure,value,unit\n");
    for day in 0..2000 {
        csv.push_str(&format!("p{},{day},upcr,1,g/g\n", day % 7));
    }
    csv.push_str("p3,2021-01-01,upcr,1,g/g\n");
    for day in 0..2000 {
        csv.push_str(&format!("p{},2021-01-02,albumin,{day},g/L\n", day % 7));
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("obs.csv");
    std::fs::write(&path, &csv).unwrap_or_else(|e| panic!("{e}"));
    let mut loader = Loader::new(LoadOptions::default());
    match loader.read_observations_file(&path) {
        Err(DataError::BadRow(row)) => {
            assert_eq!(row.line, 2002);
            assert!(matches!(
                row.reason,
                RowReason::MixedTime { first: "day", .. }
            ));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rows_need_not_be_sorted_and_several_values_of_a_day_are_kept() {
    let csv = format!("{H}b,5,upcr,2,g/g\na,3,albumin,30,g/L\nb,1,upcr,4,g/g\na,3,albumin,28,g/L\n10,0,scr,1,mg/dL\n9,0,scr,88.42,umol/L\n");
    let loaded = load_text(&csv, None, false).unwrap_or_else(|e| panic!("{e:?}"));
    let ids: Vec<&str> = loaded
        .dataset
        .patients
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["9", "10", "a", "b"]);
    let b = loaded
        .dataset
        .patient("b")
        .map(|p| p.observations.clone())
        .unwrap_or_default();
    assert_eq!(b.iter().map(|o| o.day).collect::<Vec<_>>(), [1, 5]);
    let a = loaded
        .dataset
        .patient("a")
        .map(|p| p.observations.clone())
        .unwrap_or_default();
    assert_eq!(a.iter().map(|o| o.value).collect::<Vec<_>>(), [28.0, 30.0]);
    let ten = loaded
        .dataset
        .patient("10")
        .map(|p| p.observations.clone())
        .unwrap_or_default();
    assert!(close(ten[0].value, 88.42));
    assert_eq!(
        ten[0].measure,
        MeasureId::of("scr").unwrap_or_else(|| panic!())
    );
}

#[test]
fn dates_become_days_since_1970_and_timestamps_keep_their_date() {
    let csv = "patient,date,measure,value,unit\np,1970-01-11T23:59:59Z,dipstick,2+,\np,1970-01-11T08:00:00Z,dipstick,2+,\np,1970-01-02,presence,yes,\n";
    let loaded = load_text(csv, None, false).unwrap_or_else(|e| panic!("{e:?}"));
    let p = &loaded.dataset.patients[0];
    assert_eq!(p.time_kind, TimeKind::Date);
    let got: Vec<(i32, f64)> = p.observations.iter().map(|o| (o.day, o.value)).collect();
    assert_eq!(got, [(1, 1.0), (10, 3.0), (10, 3.0)]);
}

#[test]
fn a_mapping_gives_columns_codes_spellings_and_a_fixed_unit() {
    let yaml = "observations: {patient: PID, time: WHEN, code: TEST, value: RESULT}\n\
                measures: {upcr: [UPCR-1], presence: [prot]}\n\
                units: {\"g per g\": g/g}\n\
                default_units: {upcr: g per g}\n";
    let mapping = Mapping::from_yaml("m.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
    let csv = "pid,when,test,result\n1,4,upcr-1,2.5\n1,5,prot,1\n1,6,other,x\n";
    let loaded = load_text(csv, Some(&mapping), false).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((loaded.accounting.used, loaded.accounting.not_used), (2, 1));
    assert_eq!(loaded.accounting.units.get("g per g"), Some(&1));
    let p = &loaded.dataset.patients[0];
    assert_eq!(
        p.observations.iter().map(|o| o.value).collect::<Vec<_>>(),
        [2.5, 1.0]
    );
}

#[test]
fn broken_tables_give_one_clear_error_and_never_panic() {
    let header_only = load_text(H, None, false).map(|l| l.accounting.rows).ok();
    assert_eq!(header_only, Some(0));
    assert!(matches!(
        load_text("", None, false),
        Err(DataError::NoHeader { .. })
    ));
    match load_text("patient,value\np,1\n", None, false) {
        Err(DataError::MissingColumn { column, .. }) => assert_eq!(column, "day"),
        other => panic!("{other:?}"),
    }
    match load_text("patient,day,value\np,1,3\n", None, false) {
        Err(DataError::MissingColumn { column, .. }) => assert_eq!(column, "measure"),
        other => panic!("{other:?}"),
    }
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let mut loader = Loader::new(LoadOptions::default());
    assert!(loader.read_observations("bin", binary.as_slice()).is_err());
    let mut loader = Loader::new(LoadOptions {
        skip_bad_rows: true,
        ..LoadOptions::default()
    });
    let mut bytes = H.as_bytes().to_vec();
    bytes.extend_from_slice(
        b"\xff\xfe,0,upcr,1,g/g\np,0,upcr,\xff,g/g\np,0,upcr,1,\xff\np,\"short\n",
    );
    assert!(loader.read_observations("bytes", bytes.as_slice()).is_ok());
    let loaded = loader.finish().unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        loaded.accounting.rows,
        loaded.accounting.used + loaded.accounting.not_used + loaded.accounting.skipped
    );
    assert_eq!(loaded.accounting.skipped, 3);
}

fn treatments(csv: &str, skip: bool) -> Result<nephrules::data::Loaded, DataError> {
    let mut loader = Loader::new(LoadOptions {
        skip_bad_rows: skip,
        ..LoadOptions::default()
    });
    loader.read_observations("obs.csv", format!("{H}p,0,upcr,1,g/g\n").as_bytes())?;
    loader.read_treatments("tx.csv", csv.as_bytes())?;
    loader.finish()
}

#[test]
fn treatments_are_courses_with_doses_and_their_bad_rows() {
    let csv = "Patient,Drug,Start,End,Dose,Unit\np,Rituximab,0,0,375,mg/m2\np,prednisone,0,,60,mg/d\nq,Tacrolimus,2021-01-01,2021-02-01,,\n";
    let loaded = treatments(csv, false).unwrap_or_else(|e| panic!("{e:?}"));
    let p = loaded
        .dataset
        .patient("p")
        .map(|p| p.courses.clone())
        .unwrap_or_default();
    assert_eq!(p.len(), 2);
    assert_eq!(p[1].drug, "rituximab");
    assert_eq!((p[1].start, p[1].end, p[1].dose), (0, Some(0), Some(375.0)));
    assert_eq!(p[1].dose_unit.map(|u| u.symbol), Some("mg/m2"));
    assert_eq!(p[0].end, None);
    let daily = p[0].dose_unit.map(|u| (u.symbol, u.dimension));
    assert_eq!(daily, Some(("mg/d", nephrules::units::Dimension::DoseRate)));
    let q = loaded
        .dataset
        .patient("q")
        .map(|p| (p.time_kind, p.courses[0].end))
        .unwrap_or_default();
    assert_eq!(q, (TimeKind::Date, Some(18_659)));
    for (row, want) in [
        ("p,x,5,3,,", "ends before it starts"),
        ("p,x,0,,10,mg/dL", "not a dose unit"),
        ("p,x,0,,10,", "without a unit"),
        ("p,x,0,,-1,mg", "negative"),
        ("p,,0,,,", "empty"),
        ("p,x,2021-01-01,,,", "mixes days and dates"),
    ] {
        let csv = format!("patient,drug,start,end,dose,unit\n{row}\n");
        let err = treatments(&csv, false)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("`tx.csv` line 2") && err.contains(want),
            "{row}: {err}"
        );
        let skipped = treatments(&csv, true)
            .map(|l| l.accounting.treatments)
            .unwrap_or_default();
        assert_eq!((skipped.rows, skipped.used, skipped.skipped), (1, 0, 1));
    }
}

#[test]
fn patients_table_and_its_bad_rows() {
    let run = |csv: &str, skip: bool| {
        let mut loader = Loader::new(LoadOptions {
            skip_bad_rows: skip,
            ..LoadOptions::default()
        });
        loader.read_patients("pt.csv", csv.as_bytes())?;
        loader.finish()
    };
    let csv = "patient,sex,age,birth_date,weight_kg,height_cm,index_date\na,F,34,,61.5,170,2020-01-02\nb,male,,1980-01-01,,,\nc,,,,,,\n";
    let loaded = run(csv, false).unwrap_or_else(|e| panic!("{e:?}"));
    let a = loaded
        .dataset
        .patient("a")
        .map(|p| p.info.clone())
        .unwrap_or_default();
    assert_eq!(
        (a.age_years, a.weight_kg, a.height_cm, a.index_date),
        (Some(34.0), Some(61.5), Some(170.0), Some(18_263))
    );
    let b = loaded
        .dataset
        .patient("b")
        .map(|p| p.info.clone())
        .unwrap_or_default();
    assert_eq!(b.birth_date, Some(3652));
    assert_eq!(loaded.dataset.patients.len(), 3);
    for (row, want) in [
        ("a,x,,,,,", "not a sex"),
        ("a,,old,,,,", "not a number"),
        ("a,,,1980-02-31,,,", "not a date"),
    ] {
        let err = run(
            &format!("patient,sex,age,birth_date,weight_kg,height_cm,index_date\n{row}\n"),
            false,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains("`pt.csv` line 2") && err.contains(want),
            "{row}: {err}"
        );
    }
    let twice = run("patient,age\na,3\na,4\n", true)
        .map(|l| (l.accounting.patients, l.skipped))
        .ok();
    let (count, skipped) = twice.unwrap_or_default();
    assert_eq!((count.used, count.skipped), (1, 1));
    assert!(matches!(
        skipped[0].reason,
        RowReason::DuplicatePatient { first_line: 2 }
    ));
}
