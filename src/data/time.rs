//! Times of rows: a whole day relative to the index, or an ISO 8601 date
//! (or timestamp, whose date part counts) turned into days since
//! 1970-01-01.

use super::error::RowReason;
use jiff::civil::{Date, Time};
use serde::Serialize;

/// How a patient's times were given, so that output can write them back
/// the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeKind {
    /// Whole days relative to the index (`day` column).
    #[default]
    Day,
    /// Calendar dates, stored as days since 1970-01-01 (`date` column).
    Date,
}

impl TimeKind {
    /// The column name that gives this kind of time.
    pub fn name(self) -> &'static str {
        match self {
            TimeKind::Day => "day",
            TimeKind::Date => "date",
        }
    }
}

/// Keep a patient to one kind of time: the first timed row decides (it
/// fills `first`); a later row of the other kind gets `Err` with the kind
/// the first gave.
pub(crate) fn keep_kind(first: &mut Option<TimeKind>, kind: TimeKind) -> Result<(), TimeKind> {
    match *first {
        None => {
            *first = Some(kind);
            Ok(())
        }
        Some(k) if k == kind => Ok(()),
        Some(k) => Err(k),
    }
}

/// A parsed time: the day, and for timestamps the second of that day, which
/// only tells two rows of one day apart when looking for exact duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// The day (relative to the index, or since 1970-01-01).
    pub day: i64,
    /// Second of the day, 0 when the input gave none.
    pub second: i64,
    /// How the day was given.
    pub kind: TimeKind,
}

impl Moment {
    /// A whole day, without a time of day.
    pub fn day(day: i64) -> Moment {
        Moment {
            day,
            second: 0,
            kind: TimeKind::Day,
        }
    }

    /// A key that orders and identifies moments of one kind.
    pub fn key(self) -> i64 {
        self.day.saturating_mul(86_400).saturating_add(self.second)
    }
}

const EPOCH: Date = Date::constant(1970, 1, 1);

/// What a time column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Whole days only.
    Day,
    /// Dates or timestamps only.
    Date,
    /// Either, told apart by the text: a whole number is a day.
    Either,
}

/// A cell (already trimmed) of a sign and up to 18 digits as a whole day:
/// the common case, read without the general parser.
pub fn whole_day(text: &[u8]) -> Option<i64> {
    let (negative, digits) = split_sign(text);
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut day: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        day = day * 10 + i64::from(b - b'0');
    }
    Some(if negative { -day } else { day })
}

/// A leading `-` or `+` told apart from the rest: whether it was `-`, and
/// the text after it.
pub(super) fn split_sign(text: &[u8]) -> (bool, &[u8]) {
    match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    }
}

/// Read a time cell (already trimmed).
pub fn parse(text: &[u8], expect: Expect) -> Result<Moment, RowReason> {
    if expect != Expect::Date {
        if let Some(day) = whole_day(text) {
            return Ok(Moment::day(day));
        }
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return Err(RowReason::NotText);
    };
    if text.is_empty() {
        return Err(RowReason::Empty);
    }
    let looks_like_day = text
        .strip_prefix(['-', '+'])
        .unwrap_or(text)
        .bytes()
        .all(|b| b.is_ascii_digit());
    match expect {
        Expect::Day => parse_day(text),
        Expect::Either if looks_like_day => parse_day(text),
        Expect::Date | Expect::Either => parse_date(text),
    }
}

fn parse_day(text: &str) -> Result<Moment, RowReason> {
    text.parse::<i64>()
        .map(Moment::day)
        .map_err(|_| RowReason::NotADay { text: text.into() })
}

fn parse_date(text: &str) -> Result<Moment, RowReason> {
    let not_a_date = |detail: String| RowReason::NotADate {
        text: text.into(),
        detail,
    };
    let (date_part, time_part) = match text.find(['T', 't', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    if date_part.len() != 10 {
        return Err(not_a_date("expected `YYYY-MM-DD`".into()));
    }
    let date: Date = date_part
        .parse()
        .map_err(|e: jiff::Error| not_a_date(e.to_string()))?;
    let second = match time_part {
        None => 0,
        Some(t) => {
            let time: Time = strip_offset(t)
                .parse()
                .map_err(|e: jiff::Error| not_a_date(e.to_string()))?;
            i64::from(time.hour()) * 3600 + i64::from(time.minute()) * 60 + i64::from(time.second())
        }
    };
    let day = EPOCH
        .until(date)
        .map_err(|e| not_a_date(e.to_string()))?
        .get_days();
    Ok(Moment {
        day: i64::from(day),
        second,
        kind: TimeKind::Date,
    })
}

/// The time of day without a trailing `Z` or `+01:00`-style offset: the
/// date as written counts, whatever its zone.
fn strip_offset(time: &str) -> &str {
    if let Some(t) = time.strip_suffix(['Z', 'z']) {
        return t;
    }
    match time.rfind(['+', '-']) {
        Some(i) if i >= 5 => &time[..i],
        _ => time,
    }
}

/// Write a day back as its input had it: the integer, or the ISO date.
pub fn format(day: i64, kind: TimeKind) -> String {
    match kind {
        TimeKind::Day => day.to_string(),
        TimeKind::Date => to_date(day).map_or_else(|| day.to_string(), |d| d.to_string()),
    }
}

/// The calendar date `day` days after 1970-01-01, when it is in range.
pub fn to_date(day: i64) -> Option<Date> {
    let span = jiff::Span::new().try_days(day).ok()?;
    EPOCH.checked_add(span).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_days_read_like_the_general_parser() {
        for text in ["0", "-0", "+7", "-30", "123456789012345678", "007"] {
            let general = text.parse::<i64>().ok();
            assert_eq!(whole_day(text.as_bytes()), general, "{text}");
        }
        for text in [
            "",
            "-",
            "+",
            "1.5",
            "1e3",
            " 1",
            "1234567890123456789",
            "--1",
        ] {
            assert_eq!(whole_day(text.as_bytes()), None, "{text}");
        }
    }

    fn day(t: &str, e: Expect) -> i64 {
        parse(t.as_bytes(), e).map(|m| m.day).unwrap_or(i64::MIN)
    }

    #[test]
    fn dates_count_from_1970() {
        assert_eq!(day("1970-01-01", Expect::Date), 0);
        assert_eq!(day("1970-01-02", Expect::Either), 1);
        assert_eq!(day("1969-12-31", Expect::Date), -1);
        assert_eq!(day("2000-03-01", Expect::Date), 11_017);
    }

    #[test]
    fn timestamps_keep_their_date_part() {
        assert_eq!(
            day("2021-08-23T03:26:50Z", Expect::Date),
            day("2021-08-23", Expect::Date)
        );
        assert_eq!(
            day("2021-08-23 23:59:59", Expect::Date),
            day("2021-08-23", Expect::Date)
        );
        assert_eq!(
            day("2021-08-23T23:30:00+05:00", Expect::Date),
            day("2021-08-23", Expect::Date)
        );
        let m = parse(b"2021-08-23T01:00:02Z", Expect::Date).ok();
        assert_eq!(m.map(|m| m.second), Some(3602));
    }

    #[test]
    fn days_and_dates_are_told_apart() {
        assert_eq!(day("-14", Expect::Either), -14);
        assert_eq!(
            parse(b"12", Expect::Either).map(|m| m.kind),
            Ok(TimeKind::Day)
        );
        assert!(matches!(
            parse(b"2021-03-04", Expect::Day),
            Err(RowReason::NotADay { .. })
        ));
        assert!(matches!(
            parse(b"3.5", Expect::Day),
            Err(RowReason::NotADay { .. })
        ));
        assert!(matches!(
            parse(b"12", Expect::Date),
            Err(RowReason::NotADate { .. })
        ));
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for bad in [
            "2021-02-30",
            "2021-13-01",
            "yesterday",
            "2021-03-04T25:00",
            "21-03-04",
        ] {
            assert!(
                matches!(
                    parse(bad.as_bytes(), Expect::Date),
                    Err(RowReason::NotADate { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn days_format_back_as_given() {
        assert_eq!(format(11_017, TimeKind::Date), "2000-03-01");
        assert_eq!(format(-3, TimeKind::Day), "-3");
    }
}
