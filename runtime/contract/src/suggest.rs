//! "Did you mean …?": the nearest known name to a misspelt one, for the
//! config's keys and values and the format names alike (a leaf module, so
//! neither depends on the other for it).

/// The candidate nearest to `name`, if near enough to be a typo.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: &'a [impl AsRef<str>]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(name, c.as_ref()), c.as_ref()))
        .filter(|(distance, c)| *distance <= (c.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}
