//! Colours: one per category name across all files (CR green, PR light
//! green, NR orange, NE grey, any other from a palette), and one per
//! criteria file for threshold lines.

use std::collections::BTreeMap;

/// Colours of the categories every report knows by name.
const KNOWN: &[(&str, &str)] = &[
    ("CR", "#2e7d32"),
    ("PR", "#aed581"),
    ("NR", "#ef6c00"),
    ("NE", "#9e9e9e"),
];

/// Colours for the other categories, in order of first appearance.
const PALETTE: &[&str] = &[
    "#1e88e5", "#8e24aa", "#fdd835", "#00897b", "#d81b60", "#6d4c41", "#3949ab", "#c0ca33",
];

/// Colours for criteria files (threshold lines and their labels).
const FILE_PALETTE: &[&str] = &[
    "#1565c0", "#c62828", "#6a1b9a", "#00838f", "#ef6c00", "#2e7d32", "#4e342e", "#ad1457",
];

/// The colour of each category name.
#[derive(Debug, Clone, Default)]
pub struct CategoryColours {
    colours: BTreeMap<String, &'static str>,
    /// The names in legend order: the known ones first, then the others as
    /// they first appear.
    pub order: Vec<String>,
}

impl CategoryColours {
    /// Colours for these category names (files' categories in file order).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> CategoryColours {
        let mut colours = CategoryColours::default();
        let mut others = 0;
        let mut seen: Vec<&str> = Vec::new();
        for name in names {
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
        for (name, colour) in KNOWN {
            if seen.contains(name) {
                colours.insert(name, colour);
            }
        }
        for name in seen {
            if colours.colours.contains_key(name) {
                continue;
            }
            let colour = PALETTE
                .get(others % PALETTE.len())
                .copied()
                .unwrap_or("#777");
            others += 1;
            colours.insert(name, colour);
        }
        colours
    }

    fn insert(&mut self, name: &str, colour: &'static str) {
        self.colours.insert(name.to_string(), colour);
        self.order.push(name.to_string());
    }

    /// The colour of a category (grey for a name never seen).
    pub fn of(&self, name: &str) -> &'static str {
        self.colours.get(name).copied().unwrap_or("#9e9e9e")
    }
}

/// The colour of the `index`th criteria file.
pub fn file_colour(index: usize) -> &'static str {
    FILE_PALETTE
        .get(index % FILE_PALETTE.len())
        .copied()
        .unwrap_or("#000")
}

/// `#rrggbb` as its three components (black for anything else).
pub fn rgb(hex: &str) -> (u8, u8, u8) {
    let part = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .unwrap_or(0)
    };
    if hex.len() == 7 && hex.starts_with('#') {
        (part(1), part(3), part(5))
    } else {
        (0, 0, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_keep_their_colour_and_others_take_the_palette() {
        let c = CategoryColours::new(["remission", "CR", "NR", "NE", "other"]);
        assert_eq!(c.of("CR"), "#2e7d32");
        assert_eq!(c.of("remission"), PALETTE[0]);
        assert_eq!(c.of("other"), PALETTE[1]);
        assert_eq!(c.order, ["CR", "NR", "NE", "remission", "other"]);
    }

    #[test]
    fn hex_colours_parse() {
        assert_eq!(rgb("#2e7d32"), (0x2e, 0x7d, 0x32));
        assert_eq!(rgb("bad"), (0, 0, 0));
    }
}
