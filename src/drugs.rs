//! The drug vocabulary criteria files may name without declaring them:
//! the treatments of nephrotic syndrome, and the groups guidelines speak of
//! ("steroids", "calcineurin inhibitors"). A file adds its own with
//! `drug NAME` or `drug GROUP: a, b`.

/// A drug (or group of drugs) known without a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDrug {
    /// The name as written in criteria files and the treatments table.
    pub name: &'static str,
    /// For a group, the drugs it stands for; empty for a single drug.
    pub members: &'static [&'static str],
}

const fn drug(name: &'static str) -> KnownDrug {
    KnownDrug { name, members: &[] }
}

const fn group(name: &'static str, members: &'static [&'static str]) -> KnownDrug {
    KnownDrug { name, members }
}

/// The built-in drugs and groups.
pub const KNOWN_DRUGS: &[KnownDrug] = &[
    drug("prednisone"),
    drug("prednisolone"),
    drug("methylprednisolone"),
    drug("dexamethasone"),
    drug("deflazacort"),
    group(
        "steroids",
        &[
            "prednisone",
            "prednisolone",
            "methylprednisolone",
            "dexamethasone",
            "deflazacort",
        ],
    ),
    drug("rituximab"),
    drug("obinutuzumab"),
    drug("ofatumumab"),
    group("anti_cd20", &["rituximab", "obinutuzumab", "ofatumumab"]),
    drug("cyclophosphamide"),
    drug("chlorambucil"),
    drug("tacrolimus"),
    drug("cyclosporine"),
    drug("ciclosporin"),
    group("cni", &["tacrolimus", "cyclosporine", "ciclosporin"]),
    drug("mycophenolate"),
    drug("levamisole"),
    drug("sparsentan"),
    drug("irbesartan"),
    drug("losartan"),
    drug("ramipril"),
    drug("lisinopril"),
    drug("enalapril"),
];

/// Find a built-in drug or group, ignoring ASCII case.
pub fn find(name: &str) -> Option<&'static KnownDrug> {
    KNOWN_DRUGS
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Every built-in name, for did-you-mean.
pub fn names() -> impl Iterator<Item = &'static str> {
    KNOWN_DRUGS.iter().map(|d| d.name)
}
