//! The search-space editor's form as data: one entry per field of `SearchSpace`, how each field
//! reads as text a person types ("8, 16, 32" or "2 to 16 by 2"), and edits that write a field back
//! into the space's JSON. The page's form and its JSON tab edit the same JSON text, so they stay in
//! sync both ways; `check` validates that text and `form_field_of` places an error at its field.

use serde_json::{json, Map, Value};

use super::space::{SearchSpace, SpaceError, SpaceSummary};
pub use super::space_fields::{FieldKind, FormField, ACTIVATION_NAMES, FORM_FIELDS, OPTIMIZER_NAMES};
/// The GAN section a space gets when its family becomes gan.
fn default_gan() -> Value {
    json!({
        "discriminator": { "depth": { "min": 1, "max": 3 }, "widths": [16, 32, 64] },
        "discriminator_learning_rate": { "min": 0.0001, "max": 0.01, "steps": 3 },
        "d_steps": [1, 2],
        "losses": ["non_saturating", "least_squares"],
        "noise_dims": [1, 2, 4],
        "iterations_per_epoch": 1000
    })
}

/// The conv blocks a space gets when its family becomes cnn.
fn default_conv() -> Value {
    json!({ "depth": { "min": 1, "max": 2 }, "filters": [8, 16], "kernels": [3], "pooling": ["max"], "padding": "same" })
}

/// The order the editor writes a space's fields in: the order a person reads them.
const KEY_ORDER: &[&str] = &[
    "family",
    "conv",
    "dense",
    "depth",
    "min",
    "max",
    "step",
    "steps",
    "filters",
    "kernels",
    "pooling",
    "padding",
    "widths",
    "activations",
    "slope",
    "dropout",
    "optimizers",
    "momentum",
    "learning_rate",
    "batch_sizes",
    "epochs",
    "l2",
    "lr_decay",
    "gan",
    "discriminator",
    "discriminator_learning_rate",
    "d_steps",
    "losses",
    "noise_dims",
    "iterations_per_epoch",
];

/// A number as people write it: the space's decimals are f32, so 0.1 shows as 0.1, not as the
/// f64 it became (0.10000000149011612).
fn number(n: &serde_json::Number) -> String {
    match (n.as_u64(), n.as_i64(), n.as_f64()) {
        (Some(u), _, _) => u.to_string(),
        (None, Some(i), _) => i.to_string(),
        (None, None, Some(f)) if (f as f32).is_finite() => {
            let short = (f as f32).to_string();
            if short.contains(['.', 'e', 'E']) {
                short
            } else {
                format!("{short}.0")
            }
        }
        _ => n.to_string(),
    }
}

/// The space's JSON as the editor writes it: fields in reading order, two-space indents, lists
/// and small objects (ranges) on one line.
pub fn pretty(value: &Value) -> String {
    fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_by_key(|(k, _)| KEY_ORDER.iter().position(|o| o == k).unwrap_or(KEY_ORDER.len()));
        entries
    }
    fn inline(value: &Value) -> String {
        match value {
            Value::Number(n) => number(n),
            Value::Array(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
            Value::Object(map) => format!(
                "{{{}}}",
                sorted(map).iter().map(|(k, v)| format!("{}: {}", Value::String((*k).clone()), inline(v))).collect::<Vec<_>>().join(", ")
            ),
            other => other.to_string(),
        }
    }
    fn write(value: &Value, indent: usize, out: &mut String) {
        let pad = "  ".repeat(indent + 1);
        match value {
            Value::Object(map) if map.values().any(|v| v.is_object() || v.is_array()) => {
                out.push_str("{\n");
                let entries = sorted(map);
                for (i, (key, item)) in entries.iter().enumerate() {
                    out.push_str(&format!("{pad}{}: ", Value::String((*key).clone())));
                    write(item, indent + 1, out);
                    out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
                }
                out.push_str(&"  ".repeat(indent));
                out.push('}');
            }
            other => out.push_str(&inline(other)),
        }
    }
    let mut out = String::new();
    write(value, 0, &mut out);
    out.push('\n');
    out
}

fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn at_mut<'v>(value: &'v mut Value, path: &str) -> &'v mut Value {
    path.split('.').fold(value, |v, key| {
        if !v.is_object() {
            *v = Value::Object(Map::new());
        }
        v.as_object_mut().expect("made an object").entry(key).or_insert(Value::Null)
    })
}

fn number_text(value: &Value) -> String {
    match value {
        Value::Number(n) => number(n),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What a text control shows for its field.
pub fn field_text(value: &Value, path: &str) -> String {
    match at(value, path) {
        None | Some(Value::Null) => String::new(),
        Some(Value::Array(items)) => items.iter().map(number_text).collect::<Vec<_>>().join(", "),
        Some(Value::Object(range)) if range.contains_key("min") && range.contains_key("step") => {
            format!("{} to {} by {}", number_text(&range["min"]), number_text(&range["max"]), number_text(&range["step"]))
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => number_text(other),
    }
}

/// The name of a list entry: `"relu"` or the key of `{"leaky_relu": {...}}`.
fn entry_name(entry: &Value) -> Option<&str> {
    match entry {
        Value::String(name) => Some(name),
        Value::Object(map) if map.len() == 1 => map.keys().next().map(String::as_str),
        _ => None,
    }
}

/// The names a checkbox group has ticked.
pub fn names_checked(value: &Value, path: &str) -> Vec<String> {
    at(value, path)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(entry_name).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Ticks or unticks `name` in a checkbox group, keeping any settings the entry had.
pub fn toggle_name(value: &mut Value, path: &str, name: &str, on: bool) {
    let list = at_mut(value, path);
    if !list.is_array() {
        *list = Value::Array(Vec::new());
    }
    let items = list.as_array_mut().expect("made an array");
    let present = items.iter().any(|e| entry_name(e) == Some(name));
    if on && !present {
        items.push(if name == "momentum" { json!({ "momentum": { "momentum": 0.9 } }) } else { Value::String(name.to_string()) });
    } else if !on {
        items.retain(|e| entry_name(e) != Some(name));
    }
}

fn parse_whole(word: &str) -> Result<u64, String> {
    word.trim().parse::<u64>().map_err(|_| format!("'{}' is not a whole number", word.trim()))
}

fn parse_real(word: &str) -> Result<Value, String> {
    let number = word.trim().replace(',', ".").parse::<f64>().map_err(|_| format!("'{}' is not a number", word.trim()))?;
    serde_json::Number::from_f64(number).map(Value::Number).ok_or_else(|| format!("'{}' is not a finite number", word.trim()))
}

fn list(text: &str) -> Vec<&str> {
    text.split([',', ';', ' ']).map(str::trim).filter(|w| !w.is_empty()).collect()
}

/// Writes what a person typed into a text control's field; the error says what is wrong with it.
pub fn set_text(value: &mut Value, field: &FormField, text: &str) -> Result<(), String> {
    let text = text.trim();
    let new = match field.kind {
        FieldKind::Whole => Value::from(parse_whole(text)?),
        FieldKind::Real => parse_real(text)?,
        FieldKind::WholeList | FieldKind::WholeChoices if text.is_empty() => return Err("give at least one value".into()),
        FieldKind::WholeChoices if text.contains("to") => {
            let (min, rest) = text.split_once("to").expect("checked");
            let (max, step) = rest.split_once("by").unwrap_or((rest, "1"));
            json!({ "min": parse_whole(min)?, "max": parse_whole(max)?, "step": parse_whole(step)? })
        }
        FieldKind::WholeList | FieldKind::WholeChoices => {
            Value::Array(list(text).into_iter().map(|w| parse_whole(w).map(Value::from)).collect::<Result<_, _>>()?)
        }
        FieldKind::RealList if text.is_empty() => return Err("give at least one value (0 for none)".into()),
        // A decimal comma is read as a separator here, so "0, 0.25" is two rates.
        FieldKind::RealList => {
            Value::Array(text.split([',', ';', ' ']).map(str::trim).filter(|w| !w.is_empty()).map(parse_real).collect::<Result<_, _>>()?)
        }
        FieldKind::OneOf(names) => {
            if !names.contains(&text) {
                return Err(format!("'{text}' is not one of {}", names.join(", ")));
            }
            if field.path == "family" {
                set_family(value, text);
                return Ok(());
            }
            Value::String(text.to_string())
        }
        FieldKind::Names(_) => return Err("a group of names is set with toggle_name".into()),
    };
    *at_mut(value, field.path) = new;
    Ok(())
}

/// Switches the family, adding conv blocks for a cnn and removing them for an mlp.
pub fn set_family(value: &mut Value, family: &str) {
    *at_mut(value, "family") = Value::String(family.to_string());
    if let Some(map) = value.as_object_mut() {
        if family == "cnn" {
            map.entry("conv").or_insert_with(default_conv);
        } else {
            map.remove("conv");
        }
        if family == "gan" {
            map.entry("gan").or_insert_with(default_gan);
            map.insert("dropout".into(), json!([0]));
            map.remove("l2");
            map.remove("lr_decay");
        } else {
            map.remove("gan");
        }
    }
}

/// The form field an error is about: the field itself, or the nearest enclosing one the form
/// has (`dense.widths[2]` is at `dense.widths`, `learning_rate` at `learning_rate.min`).
pub fn form_field_of(error_field: &str) -> Option<&'static FormField> {
    let path: String = error_field.split('[').next().unwrap_or_default().to_string();
    FORM_FIELDS
        .iter()
        .find(|f| f.path == path)
        .or_else(|| FORM_FIELDS.iter().filter(|f| path.starts_with(f.path)).max_by_key(|f| f.path.len()))
        .or_else(|| FORM_FIELDS.iter().find(|f| !path.is_empty() && f.path.starts_with(&format!("{path}."))))
}

/// Reads and validates the editor's text.
pub fn check(text: &str) -> Result<(SearchSpace, SpaceSummary), SpaceError> {
    let space = SearchSpace::from_json(text)?;
    let summary = space.validate()?;
    Ok((space, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nas::experiment::EXAMPLE_SPACES;

    fn field(path: &str) -> &'static FormField {
        FORM_FIELDS.iter().find(|f| f.path == path).unwrap()
    }

    #[test]
    fn every_example_reads_into_the_form_and_back_unchanged() {
        for (name, text) in EXAMPLE_SPACES {
            let original: Value = serde_json::from_str(text).unwrap();
            let mut edited = original.clone();
            for f in FORM_FIELDS.iter().filter(|f| !matches!(f.kind, FieldKind::Names(_))) {
                if at(&original, f.path).is_some() {
                    set_text(&mut edited, f, &field_text(&original, f.path)).unwrap_or_else(|e| panic!("{name} {}: {e}", f.path));
                }
            }
            let (a, b) = (SearchSpace::from_json(text).unwrap(), SearchSpace::from_json(&pretty(&edited)).unwrap());
            assert_eq!(a, b, "{name}");
        }
    }

    #[test]
    fn typed_values_land_in_the_json() {
        let mut value: Value = serde_json::from_str(EXAMPLE_SPACES[0].1).unwrap();
        set_text(&mut value, field("dense.widths"), "4 to 12 by 4").unwrap();
        set_text(&mut value, field("batch_sizes"), "16, 64").unwrap();
        set_text(&mut value, field("dropout"), "0, 0.25").unwrap();
        toggle_name(&mut value, "optimizers", "momentum", true);
        toggle_name(&mut value, "activations", "leaky_relu", false);
        let (space, summary) = check(&pretty(&value)).unwrap();
        assert_eq!(space.widths(), vec![4, 8, 12]);
        assert_eq!(space.batch_sizes, vec![16, 64]);
        assert_eq!(space.dropout, vec![0.0, 0.25]);
        assert_eq!(names_checked(&value, "optimizers"), vec!["sgd", "adam", "momentum"]);
        assert_eq!(names_checked(&value, "activations"), vec!["relu", "tanh", "sigmoid"]);
        assert!(summary.size > 0);
        assert_eq!(field_text(&value, "dense.widths"), "4 to 12 by 4");
    }

    #[test]
    fn the_json_reads_as_a_person_would_write_it() {
        let space = crate::nas::experiment::example_space("spiral-mlp").unwrap();
        let text = pretty(&serde_json::to_value(&space).unwrap());
        assert!(text.starts_with("{\n  \"family\": \"mlp\",\n  \"dense\": {\n    \"depth\": {\"min\": 1, \"max\": 4},"), "{text}");
        assert!(text.contains("{\"leaky_relu\": {\"slope\": 0.1}}"), "{text}");
        assert!(text.contains("\"learning_rate\": {\"min\": 0.001, \"max\": 0.3, \"steps\": 5}"), "{text}");
        assert!(text.contains("\"lr_decay\": 1.0"), "{text}");
        assert_eq!(SearchSpace::from_json(&text).unwrap(), space);
        assert_eq!(field_text(&serde_json::to_value(&space).unwrap(), "learning_rate.min"), "0.001");
    }

    #[test]
    fn typing_mistakes_are_refused_with_the_reason() {
        let mut value: Value = serde_json::from_str(EXAMPLE_SPACES[0].1).unwrap();
        let before = value.clone();
        assert_eq!(set_text(&mut value, field("batch_sizes"), "16, abc").unwrap_err(), "'abc' is not a whole number");
        assert_eq!(set_text(&mut value, field("epochs"), "-3").unwrap_err(), "'-3' is not a whole number");
        assert_eq!(set_text(&mut value, field("family"), "rnn").unwrap_err(), "'rnn' is not one of mlp, cnn, gan");
        assert_eq!(value, before);
    }

    #[test]
    fn switching_to_gan_adds_its_section_and_drops_what_a_gan_does_not_take() {
        let mut value: Value = serde_json::from_str(EXAMPLE_SPACES[0].1).unwrap();
        set_text(&mut value, field("dropout"), "0, 0.2").unwrap();
        set_text(&mut value, field("family"), "gan").unwrap();
        let (space, summary) = check(&pretty(&value)).unwrap();
        assert!(space.gan.is_some() && space.dropout == [0.0]);
        assert!(summary.decisions.iter().any(|(name, _)| name == "noise dimensions"));
        assert!(field("gan.d_steps").shown_for("gan") && !field("gan.d_steps").shown_for("mlp"));
        assert!(!field("dropout").shown_for("gan") && field("dropout").shown_for("cnn"));
        assert_eq!(field("dense.widths").label_for("gan"), "Generator widths");
        set_text(&mut value, field("gan.noise_dims"), "2, 99").unwrap();
        let error = check(&pretty(&value)).unwrap_err();
        assert_eq!(form_field_of(&error.field).map(|f| f.path), Some("gan.noise_dims"));
        set_text(&mut value, field("family"), "mlp").unwrap();
        assert!(check(&pretty(&value)).unwrap().0.gan.is_none());
    }

    #[test]
    fn a_space_error_is_placed_at_its_form_field() {
        let mut value: Value = serde_json::from_str(EXAMPLE_SPACES[0].1).unwrap();
        set_text(&mut value, field("dense.widths"), "16, 0").unwrap();
        let error = check(&pretty(&value)).unwrap_err();
        assert_eq!(form_field_of(&error.field).map(|f| f.path), Some("dense.widths"), "{error}");

        set_text(&mut value, field("dense.widths"), "16").unwrap();
        set_text(&mut value, field("learning_rate.min"), "0.5").unwrap();
        let error = check(&pretty(&value)).unwrap_err();
        assert!(form_field_of(&error.field).unwrap().path.starts_with("learning_rate"), "{error}");
    }

    #[test]
    fn switching_family_adds_and_removes_conv_blocks() {
        let mut value: Value = serde_json::from_str(EXAMPLE_SPACES[1].1).unwrap();
        set_text(&mut value, field("family"), "cnn").unwrap();
        let (space, _) = check(&pretty(&value)).unwrap();
        assert_eq!(space.filters(), vec![8, 16]);
        set_text(&mut value, field("family"), "mlp").unwrap();
        assert!(check(&pretty(&value)).unwrap().0.conv.is_none());
    }
}
