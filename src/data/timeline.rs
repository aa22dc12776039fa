//! A patient's observations: a stretch of one buffer that holds every
//! patient's, in patient order. Loading fills that buffer as it gives back
//! the memory of the rows it read (the two are never both held whole), and
//! one allocation for all timelines costs no allocation per patient.

use super::Observation;
use serde::{Serialize, Serializer};
use std::ops::{Deref, Range};
use std::sync::{Arc, OnceLock};

/// A patient's observations, in timeline order; reads as a slice.
#[derive(Clone)]
pub struct Timeline {
    all: Arc<Vec<Observation>>,
    range: Range<usize>,
}

impl Timeline {
    /// The observations at `range` of `all` (none where `range` is not in it).
    pub fn new(all: Arc<Vec<Observation>>, range: Range<usize>) -> Timeline {
        let range = if all.get(range.clone()).is_some() {
            range
        } else {
            0..0
        };
        Timeline { all, range }
    }
}

impl Default for Timeline {
    /// No observations: every empty timeline shares one empty buffer, so
    /// that making one allocates nothing.
    fn default() -> Timeline {
        static EMPTY: OnceLock<Arc<Vec<Observation>>> = OnceLock::new();
        Timeline {
            all: Arc::clone(EMPTY.get_or_init(Arc::default)),
            range: 0..0,
        }
    }
}

impl From<Vec<Observation>> for Timeline {
    fn from(observations: Vec<Observation>) -> Timeline {
        let range = 0..observations.len();
        Timeline {
            all: Arc::new(observations),
            range,
        }
    }
}

impl Deref for Timeline {
    type Target = [Observation];

    fn deref(&self) -> &[Observation] {
        self.all.get(self.range.clone()).unwrap_or_default()
    }
}

impl<'a> IntoIterator for &'a Timeline {
    type Item = &'a Observation;
    type IntoIter = std::slice::Iter<'a, Observation>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for Timeline {
    fn eq(&self, other: &Timeline) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Timeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Timeline {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{MeasureId, UnitId};

    fn observation(day: i32) -> Observation {
        Observation {
            value: f64::from(day),
            original: f64::from(day),
            day,
            unit: UnitId(0),
            measure: MeasureId::FIRST,
        }
    }

    #[test]
    fn a_timeline_is_its_stretch_of_the_buffer() {
        let all = Arc::new((0..5).map(observation).collect::<Vec<_>>());
        let t = Timeline::new(Arc::clone(&all), 1..3);
        assert_eq!(t.iter().map(|o| o.day).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(t, Timeline::from(vec![observation(1), observation(2)]));
        assert_eq!(
            format!("{t:?}"),
            format!("{:?}", [observation(1), observation(2)])
        );
        assert!(Timeline::new(all, 4..9).is_empty());
    }

    #[test]
    fn empty_timelines_share_one_buffer() {
        let (a, b) = (Timeline::default(), Timeline::default());
        assert!(a.is_empty() && b.is_empty());
        assert!(Arc::ptr_eq(&a.all, &b.all));
    }
}
