//! Comparisons that show expected against actual.

use serde_json::Value;

/// Panic unless two attribute maps are equal, listing each attribute that differs.
pub fn assert_same_attributes(context: &str, expected: &Value, actual: &Value) {
    let (Some(e), Some(a)) = (expected.as_object(), actual.as_object()) else {
        assert_eq!(expected, actual, "{context}");
        return;
    };
    let mut differences = Vec::new();
    for key in e.keys().chain(a.keys().filter(|k| !e.contains_key(*k))) {
        let (ev, av) = (
            e.get(key).unwrap_or(&Value::Null),
            a.get(key).unwrap_or(&Value::Null),
        );
        if ev != av {
            differences.push(format!("  {key}:\n    expected {ev}\n    actual   {av}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{context}: attributes differ:\n{}",
        differences.join("\n")
    );
}

/// Panic unless `items` holds exactly one element equal to each of `expected`.
pub fn assert_exactly_once(context: &str, items: &[String], expected: &[&str]) {
    for wanted in expected {
        let count = items.iter().filter(|i| i == wanted).count();
        assert_eq!(
            count, 1,
            "{context}: expected exactly one {wanted:?}, found {count} in {items:?}"
        );
    }
}
