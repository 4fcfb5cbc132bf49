//! Scopes: an organizer with a scope sees one unit and everything below it; anything else is
//! answered as if it did not exist (404).

use std::collections::{HashMap, HashSet};

use crate::db::units::Unit;

/// The units an organizer may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// No scope: every unit.
    Everything,
    /// The unit `root` and every unit below it, by code.
    Subtree {
        root: String,
        codes: HashSet<String>,
    },
}

impl Scope {
    /// The scope of `scope` (an organizer's unit code, or None) in the tree `units`
    /// (`db::units::all`). A code that is not in the tree gives an empty subtree: nothing is
    /// visible, rather than everything.
    pub fn new(units: &[Unit], scope: Option<&str>) -> Scope {
        let Some(root) = scope else {
            return Scope::Everything;
        };
        let code_of: HashMap<_, _> = units.iter().map(|u| (u.id, u.code.as_str())).collect();
        Scope::from_edges(
            units.iter().map(|u| {
                (
                    u.code.as_str(),
                    u.parent_id.and_then(|p| code_of.get(&p).copied()),
                )
            }),
            root,
        )
    }

    /// The subtree of `root` in any tree given as (code, parent code) pairs, such as a
    /// campaign's unit snapshot (`campaign_units`), so that results of an earlier period are
    /// scoped by the tree they were taken with.
    pub fn from_edges<'a>(
        edges: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
        root: &str,
    ) -> Scope {
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut known = HashSet::new();
        for (code, parent) in edges {
            known.insert(code);
            if let Some(parent) = parent {
                children.entry(parent).or_default().push(code);
            }
        }
        let mut codes = HashSet::new();
        if known.contains(root) {
            let mut stack = vec![root];
            // `insert` returning false stops a cycle (which imports refuse anyway).
            while let Some(code) = stack.pop() {
                if codes.insert(code.to_owned()) {
                    stack.extend(children.get(code).into_iter().flatten().copied());
                }
            }
        }
        Scope::Subtree {
            root: root.to_owned(),
            codes,
        }
    }

    /// Whether the unit with this code is inside the scope.
    pub fn allows(&self, unit_code: &str) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Subtree { codes, .. } => codes.contains(unit_code),
        }
    }

    /// The scope's unit code, None for everything.
    pub fn root(&self) -> Option<&str> {
        match self {
            Scope::Everything => None,
            Scope::Subtree { root, .. } => Some(root),
        }
    }
}

/// Whether `unit_code` is inside the subtree of `scope` (None: everything) in `units`. For
/// many checks build a [`Scope`] once instead.
pub fn scope_allows(units: &[Unit], scope: Option<&str>, unit_code: &str) -> bool {
    Scope::new(units, scope).allows(unit_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::UnitId;

    fn unit(id: i64, code: &str, parent: Option<i64>) -> Unit {
        Unit {
            id: UnitId(id),
            code: code.to_owned(),
            name: code.to_owned(),
            parent_id: parent.map(UnitId),
            head_email: None,
        }
    }

    #[test]
    fn a_scope_is_its_unit_and_everything_below_it() {
        // KEMENKEU > DJPB > {KW-ACEH > KPPN-BNA, KW-BALI}; SETJEN beside DJPB.
        let units = [
            unit(1, "KEMENKEU", None),
            unit(2, "DJPB", Some(1)),
            unit(3, "KW-ACEH", Some(2)),
            unit(4, "KPPN-BNA", Some(3)),
            unit(5, "KW-BALI", Some(2)),
            unit(6, "SETJEN", Some(1)),
        ];
        let aceh = Scope::new(&units, Some("KW-ACEH"));
        let visible: Vec<&str> = units
            .iter()
            .map(|u| u.code.as_str())
            .filter(|c| aceh.allows(c))
            .collect();
        assert_eq!(visible, ["KW-ACEH", "KPPN-BNA"]);
        assert_eq!(aceh.root(), Some("KW-ACEH"));
        let djpb = Scope::new(&units, Some("DJPB"));
        assert!(djpb.allows("KPPN-BNA") && djpb.allows("KW-BALI") && djpb.allows("DJPB"));
        assert!(!djpb.allows("KEMENKEU") && !djpb.allows("SETJEN"));
        assert!(!djpb.allows("NOWHERE"));
        assert!(Scope::new(&units, None).allows("SETJEN"));
        assert!(scope_allows(&units, None, "ANYTHING"));
        assert!(!scope_allows(&units, Some("KPPN-BNA"), "KW-ACEH"));
        // A scope whose unit is not in the tree shows nothing, not everything.
        let gone = Scope::new(&units, Some("KW-PAPUA"));
        assert!(units.iter().all(|u| !gone.allows(&u.code)));
    }

    #[test]
    fn a_snapshot_tree_scopes_by_its_own_edges() {
        let edges = [
            ("ROOT", None),
            ("A", Some("ROOT")),
            ("A1", Some("A")),
            ("B", Some("ROOT")),
        ];
        let scope = Scope::from_edges(edges, "A");
        assert!(scope.allows("A") && scope.allows("A1"));
        assert!(!scope.allows("B") && !scope.allows("ROOT"));
    }
}
