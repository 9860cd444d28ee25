//! Reading spaces and configs from JSON text with errors that name the field path
//! (`dense.widths[2]: invalid type ...`) and, for a misspelt field, the nearest valid name.

use serde::de::DeserializeOwned;

/// A parse error: where (`dense.widths[2]`, empty for the top level) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub field: String,
    pub message: String,
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let mut field = if path == "." { String::new() } else { path };
        let message = explain(error.inner());
        // The path of an unknown field ends in that field; name the object that holds it instead.
        if let Some((name, _)) = unknown_field(&error.inner().to_string()) {
            if let Some(parent) = field.strip_suffix(name) {
                field = parent.strip_suffix('.').unwrap_or(parent).to_string();
            }
        }
        JsonError { field, message }
    })?;
    deserializer.end().map_err(|error| JsonError { field: String::new(), message: error.to_string() })?;
    Ok(value)
}

/// serde_json's message, with an unknown field quoted plainly and followed by the nearest name
/// serde says it expected.
fn explain(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let location = format!(" at line {} column {}", error.line(), error.column());
    let (message, location) = match text.strip_suffix(&location) {
        Some(message) if error.line() > 0 => (message, location.as_str()),
        _ => (text.as_str(), ""),
    };
    match unknown_field(message) {
        Some((name, expected)) => {
            let hint = nearest(name, &expected).map(|n| format!(" (did you mean \"{n}\"?)")).unwrap_or_default();
            format!("unknown field \"{name}\"{hint}{location}")
        }
        None => text,
    }
}

/// The name and the expected names in serde's "unknown field `x`, expected one of `a`, `b`" (or
/// "expected `a`", or "there are no fields").
fn unknown_field(message: &str) -> Option<(&str, Vec<&str>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (name, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).collect();
    Some((name, expected))
}

/// The expected name within a few edits of `name`, if one is close enough to be a likely typo.
pub(crate) fn nearest<'a>(name: &str, expected: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    expected
        .iter()
        .map(|&candidate| (edit_distance(&name.to_lowercase(), &candidate.to_lowercase()), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_names() {
        assert_eq!(edit_distance("epoch", "epochs"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(nearest("epoch", &["family", "epochs", "l2"]), Some("epochs"));
        assert_eq!(nearest("widht", &["depth", "widths"]), Some("widths"));
        assert_eq!(nearest("colour", &["family", "epochs"]), None);
    }

    #[test]
    fn unknown_field_messages_are_taken_apart() {
        assert_eq!(unknown_field("unknown field `x`, expected one of `a`, `b`"), Some(("x", vec!["a", "b"])));
        assert_eq!(unknown_field("unknown field `x`, expected `slope`"), Some(("x", vec!["slope"])));
        assert_eq!(unknown_field("unknown field `x`, there are no fields"), Some(("x", vec![])));
        assert_eq!(unknown_field("invalid type"), None);
    }
}
