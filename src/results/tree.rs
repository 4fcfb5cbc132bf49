//! The campaign's unit tree: each unit's figures over its whole subtree (the roll-up) and over
//! its own responses, which of them the anonymity threshold and complementary suppression let
//! through, and the ranks among peers.
//!
//! Every rule here is the one README's "Results" section states in words; the tests recompute
//! them by hand on small trees.

use serde::Serialize;

use super::aggregate::{ItemCounts, UnitAccumulator, UnitLabel};
use crate::stats::{competition_ranks, rank_intervals, AlphaAccumulator, Moments, Summary};

/// Why a figure set shows its n only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Suppression {
    /// Fewer than the campaign's `min_responses` responses.
    Threshold,
    /// Enough responses, but publishing it would let a smaller group be recovered by
    /// subtracting published figures from each other.
    Complement,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DimensionResult {
    pub id: String,
    pub n: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// Null when `alpha_n` is under the threshold, for a single-item dimension, and for every
    /// checklist section (sections are not scales).
    pub alpha: Option<f64>,
    /// The complete cases (respondents who answered every item of the dimension) behind alpha.
    pub alpha_n: u64,
}

/// One set of figures: a unit's subtree, or its own responses.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub n: u64,
    /// No figure of this set is shown anywhere, only its n.
    pub suppressed: bool,
    pub suppressed_by: Option<Suppression>,
    pub score: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub dimensions: Vec<DimensionResult>,
    /// The respondents' overall scores, for the tests between units and periods. Empty for a
    /// suppressed set, so nothing withheld can reach a published comparison.
    #[serde(skip)]
    pub overall: Moments,
    /// Per survey item, the answers by stored code (the console's item distributions). Empty
    /// for a suppressed set and for checklists; whether an item's answered count reaches the
    /// threshold is for the reader to check.
    #[serde(skip)]
    pub items: ItemCounts,
}

/// The difference from an earlier campaign (Welch's t on the respondents' overall scores).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub campaign: crate::db::CampaignId,
    pub previous_score: f64,
    /// Now minus then.
    pub difference: f64,
    pub ci95: [f64; 2],
    pub p_value: f64,
    pub hedges_g: Option<f64>,
    pub significant: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitResult {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// Depth in the organisation's tree: a root is 0.
    pub level: u32,
    /// Over the unit's own responses and those of every unit below it.
    #[serde(flatten)]
    pub figures: Figures,
    /// Among the published units of the same level.
    pub rank: Option<u32>,
    /// Among the published units with the same parent.
    pub rank_in_parent: Option<u32>,
    /// A simultaneous 95% confidence set for `rank`.
    pub rank_interval: Option<[u32; 2]>,
    /// A unit with units below it and responses of its own: figures over its own only.
    pub own: Option<Figures>,
    pub change: Option<Change>,
}

/// Parent, children and depth of every snapshot unit, by index into the labels.
pub struct Tree {
    pub parent: Vec<Option<usize>>,
    pub children: Vec<Vec<usize>>,
    pub level: Vec<u32>,
}

impl Tree {
    pub fn new(labels: &[UnitLabel]) -> Tree {
        let index: std::collections::HashMap<&str, usize> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.code.as_str(), i))
            .collect();
        let mut parent: Vec<Option<usize>> = labels
            .iter()
            .map(|l| l.parent_code.as_deref().and_then(|c| index.get(c).copied()))
            .collect();
        // The tree import refuses cycles, but a snapshot joins codes recorded at different
        // times; a chain longer than the number of units loops, and is cut where it was found.
        let count = labels.len();
        let mut level = vec![0u32; count];
        for i in 0..count {
            let mut depth = 0u32;
            let mut at = i;
            while let Some(p) = parent[at] {
                depth += 1;
                if depth as usize > count {
                    parent[i] = None;
                    depth = 0;
                    break;
                }
                at = p;
            }
            level[i] = depth;
        }
        let mut children = vec![Vec::new(); count];
        for (i, p) in parent.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(i);
            }
        }
        Tree {
            parent,
            children,
            level,
        }
    }

    /// Indices by level, deepest first: every unit comes before its parent.
    fn bottom_up(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.parent.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.level[i]));
        order
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: usize, ancestor: usize) -> bool {
        let mut at = Some(unit);
        while let Some(i) = at {
            if i == ancestor {
                return true;
            }
            at = self.parent[i];
        }
        false
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SetKind {
    // The order is the tie-break of the suppression rule: a unit's subtree set before its own.
    Subtree,
    Own,
}

/// What is published of each unit's two figure sets (None: published).
struct Publication {
    subtree: Vec<Option<Suppression>>,
    /// None where the unit has no own set (no units below it, or no own responses).
    own: Vec<Option<Option<Suppression>>>,
}

impl Publication {
    fn published(&self, unit: usize, kind: SetKind) -> bool {
        match kind {
            SetKind::Subtree => self.subtree[unit].is_none(),
            SetKind::Own => matches!(self.own[unit], Some(None)),
        }
    }

    fn suppress(&mut self, unit: usize, kind: SetKind) {
        match kind {
            SetKind::Subtree => self.subtree[unit] = Some(Suppression::Complement),
            SetKind::Own => self.own[unit] = Some(Some(Suppression::Complement)),
        }
    }
}

/// The threshold, then complementary suppression until nothing changes.
///
/// For every published unit P (top level down), the published sets inside it (the subtree
/// sets of published units below it, the own sets of P and of units below it) must leave 0 or
/// at least k of P's responses uncovered; otherwise the outermost of them are suppressed,
/// smallest n first (ties by code, a unit's own set after its subtree set), until they do.
fn publish(
    tree: &Tree,
    labels: &[UnitLabel],
    n_subtree: &[u64],
    n_own: &[u64],
    k: u64,
) -> Publication {
    let k = k.max(1);
    let count = labels.len();
    let mut publication = Publication {
        subtree: n_subtree
            .iter()
            .map(|&n| (n < k).then_some(Suppression::Threshold))
            .collect(),
        own: (0..count)
            .map(|i| {
                (!tree.children[i].is_empty() && n_own[i] > 0)
                    .then(|| (n_own[i] < k).then_some(Suppression::Threshold))
            })
            .collect(),
    };
    let n_of = |unit: usize, kind: SetKind| match kind {
        SetKind::Subtree => n_subtree[unit],
        SetKind::Own => n_own[unit],
    };
    let mut top_down: Vec<usize> = (0..count).collect();
    top_down
        .sort_by(|&a, &b| (tree.level[a], &labels[a].code).cmp(&(tree.level[b], &labels[b].code)));
    let mut outer: Vec<(usize, SetKind)> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    loop {
        let mut changed = false;
        for &p in &top_down {
            while publication.published(p, SetKind::Subtree) {
                // The outermost published sets inside P: they are disjoint, and every other
                // published set inside P lies within one of them.
                outer.clear();
                if publication.published(p, SetKind::Own) {
                    outer.push((p, SetKind::Own));
                }
                stack.clear();
                stack.extend(&tree.children[p]);
                while let Some(c) = stack.pop() {
                    if publication.published(c, SetKind::Subtree) {
                        outer.push((c, SetKind::Subtree));
                    } else {
                        if publication.published(c, SetKind::Own) {
                            outer.push((c, SetKind::Own));
                        }
                        stack.extend(&tree.children[c]);
                    }
                }
                let covered: u64 = outer.iter().map(|&(u, kind)| n_of(u, kind)).sum();
                let uncovered = n_subtree[p].saturating_sub(covered);
                if uncovered == 0 || uncovered >= k {
                    break;
                }
                let smallest = outer
                    .iter()
                    .min_by(|&&(a, ka), &&(b, kb)| {
                        (n_of(a, ka), &labels[a].code, ka).cmp(&(n_of(b, kb), &labels[b].code, kb))
                    })
                    .copied();
                match smallest {
                    Some((unit, kind)) => publication.suppress(unit, kind),
                    // Unreachable while P is published (then P's n >= k is all uncovered),
                    // kept so that the rule holds even if that ever changes.
                    None => publication.suppress(p, SetKind::Subtree),
                }
                changed = true;
            }
        }
        if !changed {
            return publication;
        }
    }
}

fn ci_pair(summary: &Summary) -> Option<[f64; 2]> {
    summary.ci95.map(|(lo, hi)| [lo, hi])
}

fn withheld(n: u64, reason: Suppression) -> Figures {
    Figures {
        n,
        suppressed: true,
        suppressed_by: Some(reason),
        score: None,
        sd: None,
        ci95: None,
        dimensions: Vec::new(),
        overall: Moments::new(),
        items: ItemCounts::default(),
    }
}

fn figures(
    unit: &UnitAccumulator,
    group_ids: &[String],
    k: u64,
    suppressed: Option<Suppression>,
) -> Figures {
    if let Some(reason) = suppressed {
        return withheld(unit.n(), reason);
    }
    let overall = unit.overall.summary();
    Figures {
        n: overall.n,
        suppressed: false,
        suppressed_by: None,
        score: overall.mean,
        sd: overall.sd,
        ci95: ci_pair(&overall),
        overall: unit.overall,
        items: unit.items.clone(),
        dimensions: group_ids
            .iter()
            .enumerate()
            .map(|(g, id)| {
                let summary = unit.groups[g].summary();
                let alpha = unit.alphas[g].as_ref();
                let alpha_n = alpha.map_or(0, AlphaAccumulator::n);
                // A dimension only some respondents answered (its items are optional) must
                // not expose a smaller group than the unit's threshold allows.
                let shown = summary.n >= k;
                DimensionResult {
                    id: id.clone(),
                    n: summary.n,
                    mean: summary.mean.filter(|_| shown),
                    sd: summary.sd.filter(|_| shown),
                    ci95: ci_pair(&summary).filter(|_| shown),
                    // An alpha from fewer complete cases than the group shown is noise.
                    alpha: alpha
                        .filter(|_| shown && alpha_n >= k)
                        .and_then(AlphaAccumulator::alpha),
                    alpha_n,
                }
            })
            .collect(),
    }
}

/// Every snapshot unit's results, in the order they are listed: by level, then ranked units by
/// rank (then code), then the suppressed ones by code.
pub fn build(
    labels: &[UnitLabel],
    own: Vec<UnitAccumulator>,
    group_ids: &[String],
    min_responses: u64,
) -> Vec<UnitResult> {
    let tree = Tree::new(labels);
    let mut subtree = own.clone();
    for i in tree.bottom_up() {
        if let Some(p) = tree.parent[i] {
            // Borrowing both halves instead of cloning the child: its item table can be large.
            let (below, above) = if i < p {
                let (head, tail) = subtree.split_at_mut(p);
                (&head[i], &mut tail[0])
            } else {
                let (head, tail) = subtree.split_at_mut(i);
                (&tail[0], &mut head[p])
            };
            above.merge(below);
        }
    }
    let n_subtree: Vec<u64> = subtree.iter().map(UnitAccumulator::n).collect();
    let n_own: Vec<u64> = own.iter().map(UnitAccumulator::n).collect();
    let k = min_responses.max(1);
    let publication = publish(&tree, labels, &n_subtree, &n_own, k);
    let mut results: Vec<UnitResult> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| UnitResult {
            code: label.code.clone(),
            name: label.name.clone(),
            parent_code: label.parent_code.clone(),
            level: tree.level[i],
            figures: figures(&subtree[i], group_ids, k, publication.subtree[i]),
            rank: None,
            rank_in_parent: None,
            rank_interval: None,
            own: publication.own[i].map(|state| figures(&own[i], group_ids, k, state)),
            change: None,
        })
        .collect();
    rank(&tree, &mut results);
    results.sort_by(|a, b| {
        (a.level, a.rank.is_none(), a.rank, &a.code).cmp(&(
            b.level,
            b.rank.is_none(),
            b.rank,
            &b.code,
        ))
    });
    results
}

/// Ranks among the published units of each level and among published siblings, and each
/// unit's rank interval among its level.
fn rank(tree: &Tree, results: &mut [UnitResult]) {
    let ranked: Vec<usize> = (0..results.len())
        .filter(|&i| !results[i].figures.suppressed && results[i].figures.score.is_some())
        .collect();
    let mut by_level: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    let mut by_parent: std::collections::BTreeMap<Option<usize>, Vec<usize>> = Default::default();
    for &i in &ranked {
        by_level.entry(tree.level[i]).or_default().push(i);
        by_parent.entry(tree.parent[i]).or_default().push(i);
    }
    let score = |i: usize| results[i].figures.score.unwrap_or(f64::NAN);
    let mut level_ranks = Vec::new();
    for peers in by_level.values() {
        let scores: Vec<f64> = peers.iter().map(|&i| score(i)).collect();
        let moments: Vec<Moments> = peers.iter().map(|&i| results[i].figures.overall).collect();
        let intervals = rank_intervals(&moments);
        for ((&i, rank), interval) in peers.iter().zip(competition_ranks(&scores)).zip(intervals) {
            level_ranks.push((i, rank, interval));
        }
    }
    let mut parent_ranks = Vec::new();
    for siblings in by_parent.values() {
        let scores: Vec<f64> = siblings.iter().map(|&i| score(i)).collect();
        for (&i, rank) in siblings.iter().zip(competition_ranks(&scores)) {
            parent_ranks.push((i, rank));
        }
    }
    for (i, rank, interval) in level_ranks {
        results[i].rank = Some(rank);
        results[i].rank_interval = Some(interval);
    }
    for (i, rank) in parent_ranks {
        results[i].rank_in_parent = Some(rank);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::UnitId;
    use crate::results::{Aggregator, Scorer};
    use crate::template::parse_template;

    const TEMPLATE: &str = r#"
id = "t"
version = 1
kind = "survey"
title = "T"
[scale]
min = 1
max = 5
[[dimensions]]
id = "core"
title = "Core"
[[dimensions.items]]
id = "q1"
text = "Q1"
[[dimensions]]
id = "extra"
title = "Extra"
[[dimensions.items]]
id = "q2"
text = "Q2"
required = false
"#;

    #[test]
    fn a_dimension_answered_by_fewer_than_the_threshold_shows_no_figures() {
        let template = parse_template(TEMPLATE).expect("template");
        let mut aggregator = Aggregator::new(Scorer::new(&template), &[UnitId(7)]);
        // Three respondents; only two answered the optional dimension.
        for answers in [[4u8, 2], [5, 0], [3, 4]] {
            aggregator.push(UnitId(7), &answers);
        }
        let label = UnitLabel {
            unit_id: UnitId(7),
            code: "U".into(),
            name: "Unit".into(),
            parent_code: None,
        };
        let ids = ["core".to_owned(), "extra".to_owned()];
        let results = build(&[label], aggregator.finish(), &ids, 3);
        let unit = &results[0].figures;
        assert_eq!(unit.n, 3);
        // Overall scores: (4 + 2) / 2 = 3, 5, (3 + 4) / 2 = 3.5.
        assert_eq!(unit.score, Some(11.5 / 3.0));
        assert_eq!(unit.dimensions[0].mean, Some(4.0));
        assert_eq!(unit.dimensions[1].n, 2);
        assert_eq!(unit.dimensions[1].mean, None);
        assert_eq!(results[0].rank, Some(1));
        // Answers by stored code (0: not answered, j: the scale's j-th point).
        assert_eq!(unit.items.len(), 2);
        assert_eq!(unit.items.item(0), [0, 0, 0, 1, 1, 1]);
        assert_eq!(unit.items.item(1), [1, 0, 1, 0, 1, 0]);
    }

    #[test]
    fn item_counts_roll_up_and_stay_off_withheld_sets() {
        let template = parse_template(TEMPLATE).expect("template");
        let ids = [UnitId(1), UnitId(2), UnitId(3)];
        let mut aggregator = Aggregator::new(Scorer::new(&template), &ids);
        // P has A (3 responses) and B (1) below it.
        for answers in [[1u8, 5], [1, 0], [2, 5]] {
            aggregator.push(UnitId(2), &answers);
        }
        aggregator.push(UnitId(3), &[5, 5]);
        let label = |id: i64, code: &str, parent: Option<&str>| UnitLabel {
            unit_id: UnitId(id),
            code: code.into(),
            name: code.into(),
            parent_code: parent.map(str::to_owned),
        };
        let labels = [
            label(1, "P", None),
            label(2, "A", Some("P")),
            label(3, "B", Some("P")),
        ];
        let ids = ["core".to_owned(), "extra".to_owned()];
        // k = 1: everything is published.
        let results = build(&labels, aggregator.finish(), &ids, 1);
        let of = |code: &str| &results.iter().find(|u| u.code == code).expect(code).figures;
        assert_eq!(of("P").items.item(0), [0, 2, 1, 0, 0, 1]);
        assert_eq!(of("P").items.item(1), [1, 0, 0, 0, 0, 3]);
        assert_eq!(of("A").items.item(1), [1, 0, 0, 0, 0, 2]);
        assert_eq!(of("B").items.item(0), [0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn a_withheld_set_carries_no_item_counts() {
        let template = parse_template(TEMPLATE).expect("template");
        let mut aggregator = Aggregator::new(Scorer::new(&template), &[UnitId(7)]);
        aggregator.push(UnitId(7), &[4, 2]);
        let label = UnitLabel {
            unit_id: UnitId(7),
            code: "U".into(),
            name: "Unit".into(),
            parent_code: None,
        };
        let ids = ["core".to_owned(), "extra".to_owned()];
        let results = build(&[label], aggregator.finish(), &ids, 2);
        assert!(results[0].figures.suppressed);
        assert!(results[0].figures.items.is_empty());
    }
}

#[cfg(test)]
mod publication_tests {
    use super::*;
    use crate::db::UnitId;

    fn labels(tree: &[(&str, Option<&str>)]) -> Vec<UnitLabel> {
        tree.iter()
            .enumerate()
            .map(|(i, (code, parent))| UnitLabel {
                unit_id: UnitId(i as i64 + 1),
                code: (*code).to_owned(),
                name: (*code).to_owned(),
                parent_code: parent.map(str::to_owned),
            })
            .collect()
    }

    /// n of every subtree, from each unit's own n.
    fn subtree_n(tree: &Tree, own: &[u64]) -> Vec<u64> {
        let mut n = own.to_vec();
        for i in tree.bottom_up() {
            if let Some(p) = tree.parent[i] {
                n[p] += n[i];
            }
        }
        n
    }

    #[test]
    fn a_tie_between_outermost_sets_goes_by_code() {
        // P (3 of its own) > A (3), B (2). k = 3: P minus its published parts is B's two
        // answers; own P and A both have 3, and "A" sorts before "P": A is withheld.
        let labels = labels(&[("P", None), ("A", Some("P")), ("B", Some("P"))]);
        let tree = Tree::new(&labels);
        let own = [3, 3, 2];
        let publication = publish(&tree, &labels, &subtree_n(&tree, &own), &own, 3);
        assert_eq!(
            publication.subtree,
            [
                None,
                Some(Suppression::Complement),
                Some(Suppression::Threshold)
            ]
        );
        assert_eq!(publication.own, [Some(None), None, None]);
    }

    #[test]
    fn withholding_a_set_exposes_the_sets_inside_it() {
        // R > X (own 3) > {X1 (4), X2 (4)}, R > Z (2). k = 3. R minus X is Z's two: X goes;
        // then X's parts are R's outermost sets and cover all but Z's two: the smallest, own X
        // (3), goes too, leaving 5 uncovered.
        let labels = labels(&[
            ("R", None),
            ("X", Some("R")),
            ("X1", Some("X")),
            ("X2", Some("X")),
            ("Z", Some("R")),
        ]);
        let tree = Tree::new(&labels);
        let own = [0, 3, 4, 4, 2];
        let publication = publish(&tree, &labels, &subtree_n(&tree, &own), &own, 3);
        assert_eq!(
            publication.subtree,
            [
                None,
                Some(Suppression::Complement),
                None,
                None,
                Some(Suppression::Threshold)
            ]
        );
        assert_eq!(publication.own[1], Some(Some(Suppression::Complement)));
    }

    /// The promise itself, on 3,000 random trees: no published set minus the published sets
    /// inside it leaves a group of 1..k-1, and nothing under k is published.
    #[test]
    fn no_random_tree_leaves_a_group_under_the_threshold() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        for _ in 0..3000 {
            let count = 1 + next(12) as usize;
            let codes: Vec<String> = (0..count).map(|i| format!("U{i:02}")).collect();
            let tree_spec: Vec<(&str, Option<&str>)> = (0..count)
                .map(|i| {
                    let parent = (i > 0).then(|| codes[next(i as u64) as usize].as_str());
                    (codes[i].as_str(), parent)
                })
                .collect();
            let labels = labels(&tree_spec);
            let tree = Tree::new(&labels);
            let own: Vec<u64> = (0..count)
                .map(|_| [0, 1, 2, 3, 4, 6, 9][next(7) as usize])
                .collect();
            let k = 1 + next(5);
            let n = subtree_n(&tree, &own);
            let publication = publish(&tree, &labels, &n, &own, k);
            for p in 0..count {
                let own_shown = publication.published(p, SetKind::Own);
                assert!(!own_shown || own[p] >= k);
                if !publication.published(p, SetKind::Subtree) {
                    continue;
                }
                assert!(n[p] >= k);
                // The outermost published sets inside p, found independently of publish().
                let mut covered = if own_shown { own[p] } else { 0 };
                for d in 0..count {
                    if d == p || !tree.is_within(d, p) {
                        continue;
                    }
                    let mut at = tree.parent[d];
                    let mut inside_published = false;
                    while let Some(a) = at {
                        if a == p {
                            break;
                        }
                        inside_published |= publication.published(a, SetKind::Subtree);
                        at = tree.parent[a];
                    }
                    if inside_published {
                        continue;
                    }
                    if publication.published(d, SetKind::Subtree) {
                        covered += n[d];
                    } else if publication.published(d, SetKind::Own) {
                        covered += own[d];
                    }
                }
                let uncovered = n[p] - covered;
                assert!(
                    uncovered == 0 || uncovered >= k,
                    "{tree_spec:?} own {own:?} k {k}: {} leaves {uncovered}",
                    codes[p]
                );
            }
        }
    }
}
