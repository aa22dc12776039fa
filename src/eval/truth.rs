//! Three-valued (Kleene) logic: a missing value is not a false value.

use serde::Serialize;

/// True, false or unknown. The order `False < Unknown < True` makes Kleene
/// `and` the minimum and `or` the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Truth {
    /// Known to be false.
    False,
    /// Not known (a value or a reference point is missing).
    Unknown,
    /// Known to be true.
    True,
}

impl Truth {
    /// Kleene `and`.
    #[inline]
    pub fn and(self, other: Truth) -> Truth {
        self.min(other)
    }

    /// Kleene `or`.
    #[inline]
    pub fn or(self, other: Truth) -> Truth {
        self.max(other)
    }

    /// A known boolean.
    #[inline]
    pub fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// A comparison whose operands may be missing.
    pub fn compare(a: Option<f64>, op: crate::ast::CmpOp, b: Option<f64>) -> Truth {
        match (a, b) {
            (Some(a), Some(b)) => Truth::from_bool(op.holds(a, b)),
            _ => Truth::Unknown,
        }
    }

    /// The word for reports: `true`, `false`, `unknown`.
    pub fn word(self) -> &'static str {
        match self {
            Truth::False => "false",
            Truth::Unknown => "unknown",
            Truth::True => "true",
        }
    }
}

/// Kleene `not`.
impl std::ops::Not for Truth {
    type Output = Truth;

    #[inline]
    fn not(self) -> Truth {
        match self {
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
            Truth::True => Truth::False,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::{self, *};

    #[test]
    fn kleene_tables() {
        let all = [False, Unknown, True];
        for a in all {
            for b in all {
                // De Morgan holds in Kleene logic.
                assert_eq!(!a.and(b), (!a).or(!b));
            }
        }
        assert_eq!(Unknown.and(False), False);
        assert_eq!(Unknown.or(True), True);
        assert_eq!(Unknown.and(True), Unknown);
        assert_eq!(
            Truth::compare(None, crate::ast::CmpOp::Lt, Some(1.0)),
            Unknown
        );
    }
}
