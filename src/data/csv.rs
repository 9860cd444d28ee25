//! A CSV file the user brings: numeric feature columns and one label column, read from bytes
//! (the page hands over a dropped file; `read_csv_file` is the native shortcut). Errors name the
//! line and column of the first bad cell.

use super::separator::{decimal_point, detect_separator};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::CellAt;
use super::{DataError, Dataset, Targets};

/// With `TargetKind::Auto`, an integer label column with at most this many distinct values is
/// read as classes; anything else numeric is a regression target.
pub const AUTO_MAX_CLASSES: usize = 20;

/// Which column holds the label.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelColumn {
    #[default]
    Last,
    /// Counting from 0.
    Index(usize),
    /// A name in the header row.
    Name(String),
}

/// Whether the label column holds classes or regression values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Text, or integers with few distinct values, are classes; other numbers are values.
    #[default]
    Auto,
    Classes,
    Values,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// The data set's name (e.g. the file name).
    pub name: String,
    pub label: LabelColumn,
    pub target: TargetKind,
    /// The field separator; `None` detects comma, semicolon or tab from the first lines. With a
    /// semicolon, numbers may have decimal commas (`1,5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<u8>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { name: "CSV".into(), label: LabelColumn::Last, target: TargetKind::Auto, delimiter: None }
    }
}

/// One record of the file and the line it starts on.
struct Row {
    line: u64,
    cells: Vec<String>,
}

/// Reads a CSV file. The first row is a header when any cell outside the label column is not a
/// number (or when only the label cell is text and the label cells below it are numbers).
/// When the separator had to be guessed, an error or the data set's warnings say what was found.
pub fn parse_csv(bytes: &[u8], options: &CsvOptions) -> Result<Dataset, DataError> {
    let (delimiter, note) = match options.delimiter {
        Some(delimiter) => (delimiter, None),
        None => detect_separator(bytes),
    };
    let mut dataset = parse_separated(bytes, options, delimiter).map_err(|error| match &note {
        Some(note) => DataError::UnclearSeparator { error: Box::new(error), note: note.clone() },
        None => error,
    })?;
    dataset.warnings.splice(0..0, note);
    Ok(dataset)
}

fn parse_separated(bytes: &[u8], options: &CsvOptions, delimiter: u8) -> Result<Dataset, DataError> {
    let mut rows = read_rows(bytes, delimiter)?;
    if delimiter == b';' {
        rows.iter_mut().flat_map(|r| r.cells.iter_mut()).for_each(decimal_point);
    }
    let first = rows.first().ok_or(DataError::EmptyFile)?;
    let columns = first.cells.len();
    let (label, has_header) = find_label_column(&rows, &options.label)?;
    let header = if has_header { Some(rows.remove(0)) } else { None };
    if rows.is_empty() {
        return Err(DataError::NoDataRows);
    }
    if columns < 2 {
        return Err(DataError::NoFeatureColumns);
    }
    let (reference, reference_line) = match &header {
        Some(_) => ("the header".to_string(), None),
        None => (format!("line {}", rows[0].line), Some(rows[0].line)),
    };
    if let Some(row) = rows.iter().find(|r| r.cells.len() != columns && Some(r.line) != reference_line) {
        return Err(DataError::RaggedRow { line: row.line, found: row.cells.len(), expected: columns, reference });
    }

    let names: Vec<Option<String>> = (0..columns).map(|c| header.as_ref().map(|h| h.cells[c].clone())).collect();
    let at = |row: &Row, column: usize| CellAt { line: row.line, column: column + 1, name: names[column].clone() };
    let feature_columns: Vec<usize> = (0..columns).filter(|&c| c != label).collect();

    let mut features = Vec::with_capacity(rows.len() * feature_columns.len());
    for row in &rows {
        for &c in &feature_columns {
            features.push(parse_number(&row.cells[c], || at(row, c))?);
        }
    }
    let targets = read_targets(&rows, label, options.target, |row| at(row, label))?;
    let mut warnings = Vec::new();
    if let Targets::Classes { class_names, .. } = &targets {
        if let [only] = class_names.as_slice() {
            let column = names[label].clone().unwrap_or_else(|| format!("{}", label + 1));
            warnings.push(format!(
                "column `{column}` holds one class (`{only}`) only: every sample has the same label, so accuracy will be 100 % whatever the network"
            ));
        }
    }
    Ok(Dataset {
        name: options.name.clone(),
        features,
        feature_shape: vec![feature_columns.len()],
        feature_names: feature_columns.iter().map(|&c| names[c].clone().unwrap_or_else(|| format!("column {}", c + 1))).collect(),
        targets,
        warnings,
    })
}

/// Reads a CSV file from disk (native builds only; the page passes the bytes of a dropped file).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_csv_file(path: &std::path::Path, options: &CsvOptions) -> Result<Dataset, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::UnreadableFile { path: path.display().to_string(), message: e.to_string() })?;
    parse_csv(&bytes, options)
}

fn read_rows(bytes: &[u8], delimiter: u8) -> Result<Vec<Row>, DataError> {
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(::csv::Trim::All).delimiter(delimiter).from_reader(bytes);
    let mut lines = LineCounter { bytes, counted_to: 0, newlines: 0 };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| DataError::UnreadableCsv {
            line: lines.line_of(e.position()),
            message: match e.kind() {
                ::csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8 (save the file as UTF-8)".into(),
                _ => e.to_string(),
            },
        })?;
        // A line of nothing but spaces or delimiters is not a sample.
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = lines.line_of(record.position());
        rows.push(Row { line, cells: record.iter().map(str::to_string).collect() });
    }
    Ok(rows)
}

/// Line numbers of records, counted as the reader moves forward. (The csv crate's own count
/// leaves out the blank lines it skips, and a record's position comes before those lines.)
struct LineCounter<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    newlines: u64,
}

impl LineCounter<'_> {
    fn line_of(&mut self, position: Option<&::csv::Position>) -> u64 {
        let Some(position) = position else { return 0 };
        let mut start = (position.byte() as usize).min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            self.newlines += self.bytes[self.counted_to..start].iter().filter(|&&b| b == b'\n').count() as u64;
            self.counted_to = start;
        }
        self.newlines + 1
    }
}

pub(super) fn is_number(cell: &str) -> bool {
    cell.parse::<f64>().is_ok()
}

/// The label column's index and whether the first row is a header.
fn find_label_column(rows: &[Row], choice: &LabelColumn) -> Result<(usize, bool), DataError> {
    let first = &rows[0].cells;
    let columns = first.len();
    let looks_like_header = |label: usize| {
        let text_outside_label = first.iter().enumerate().any(|(c, cell)| c != label && !is_number(cell));
        let text_only_in_label =
            !is_number(&first[label]) && rows.len() > 1 && rows[1..].iter().all(|r| r.cells.get(label).is_some_and(|cell| is_number(cell)));
        text_outside_label || text_only_in_label
    };
    match choice {
        LabelColumn::Last => Ok((columns - 1, looks_like_header(columns - 1))),
        LabelColumn::Index(index) if *index < columns => Ok((*index, looks_like_header(*index))),
        LabelColumn::Index(index) => Err(DataError::LabelColumnOutOfRange { index: index + 1, columns }),
        LabelColumn::Name(name) => {
            if let Some(index) = first.iter().position(|cell| cell == name) {
                return Ok((index, true));
            }
            if first.iter().all(|cell| is_number(cell)) {
                return Err(DataError::LabelNameWithoutHeader { name: name.clone() });
            }
            Err(DataError::UnknownLabelColumn { name: name.clone(), columns: first.join(", ") })
        }
    }
}

fn parse_number(cell: &str, at: impl Fn() -> CellAt) -> Result<f32, DataError> {
    if cell.is_empty() {
        return Err(DataError::EmptyCell { at: at() });
    }
    match cell.parse::<f32>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(DataError::NotFinite { at: at(), value: cell.to_string() }),
        Err(_) => Err(DataError::NotANumber { at: at(), value: cell.to_string() }),
    }
}

fn read_targets(rows: &[Row], label: usize, kind: TargetKind, at: impl Fn(&Row) -> CellAt) -> Result<Targets, DataError> {
    if let Some(row) = rows.iter().find(|r| r.cells[label].is_empty()) {
        return Err(DataError::EmptyCell { at: at(row) });
    }
    let cells: Vec<&str> = rows.iter().map(|r| r.cells[label].as_str()).collect();
    let finite = |cell: &str| cell.parse::<f64>().ok().filter(|v| v.is_finite());
    let numbers: Option<Vec<f64>> = cells.iter().map(|c| finite(c)).collect();
    let as_classes = match (kind, &numbers) {
        (TargetKind::Classes, _) => true,
        (TargetKind::Values, _) => false,
        (TargetKind::Auto, None) => true,
        (TargetKind::Auto, Some(values)) => {
            let mut distinct: Vec<f64> = values.clone();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            values.iter().all(|v| v.fract() == 0.0) && distinct.len() <= AUTO_MAX_CLASSES
        }
    };
    if as_classes {
        return Ok(classes(&cells, numbers.as_deref()));
    }
    match numbers {
        Some(values) => Ok(Targets::Values { values: values.into_iter().map(|v| v as f32).collect(), outputs: 1 }),
        None => {
            let (row, cell) = rows.iter().zip(&cells).find(|(_, c)| finite(c).is_none()).expect("a cell is not a number");
            Err(DataError::LabelNotANumber { at: at(row), value: cell.to_string() })
        }
    }
}

/// Class names in numeric order when every label is a number, else in order of first appearance.
fn classes(cells: &[&str], numbers: Option<&[f64]>) -> Targets {
    let mut names: Vec<String> = Vec::new();
    let mut index_of: HashMap<&str, u32> = HashMap::new();
    let labels = match numbers {
        Some(values) => {
            // Adding 0.0 turns -0.0 into 0.0, so "0" and "-0" are one class.
            let values: Vec<f64> = values.iter().map(|v| v + 0.0).collect();
            let mut distinct = values.clone();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            // A class is named as its label was first written ("2" and "2.0" are one class, "2").
            let mut first_written: HashMap<u64, &str> = HashMap::new();
            for (value, &cell) in values.iter().zip(cells) {
                first_written.entry(value.to_bits()).or_insert(cell);
            }
            names = distinct.iter().map(|d| first_written[&d.to_bits()].to_string()).collect();
            values.iter().map(|v| distinct.binary_search_by(|d| d.total_cmp(v)).unwrap() as u32).collect()
        }
        None => cells
            .iter()
            .map(|&cell| {
                *index_of.entry(cell).or_insert_with(|| {
                    names.push(cell.to_string());
                    names.len() as u32 - 1
                })
            })
            .collect(),
    };
    Targets::Classes { labels, class_names: names }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Dataset, DataError> {
        parse_csv(text.as_bytes(), &CsvOptions::default())
    }

    fn parse_with(text: &str, label: LabelColumn, target: TargetKind) -> Result<Dataset, DataError> {
        parse_csv(text.as_bytes(), &CsvOptions { label, target, ..CsvOptions::default() })
    }

    #[test]
    fn a_header_and_text_classes_in_order_of_first_appearance() {
        let data = parse("sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n4.9,1.3,setosa\n").unwrap();
        assert_eq!(data.feature_names, vec!["sepal", "petal"]);
        assert_eq!(data.features, vec![5.1, 1.4, 7.0, 4.7, 4.9, 1.3]);
        assert_eq!(data.targets, Targets::Classes { labels: vec![0, 1, 0], class_names: vec!["setosa".into(), "versicolor".into()] });
    }

    #[test]
    fn no_header_when_the_first_row_is_all_numbers() {
        let data = parse("1,2,0\n3,4,1\n").unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data.feature_names, vec!["column 1", "column 2"]);
    }

    #[test]
    fn a_header_whose_only_text_is_the_label_name() {
        let data = parse("0,1,label\n0.5,0.25,3\n0.75,1,1\n").unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data.feature_names, vec!["0", "1"]);
        assert_eq!(data.targets, Targets::Classes { labels: vec![1, 0], class_names: vec!["1".into(), "3".into()] });
    }

    #[test]
    fn integer_classes_sort_numerically_and_reals_become_values() {
        let data = parse("a,y\n1,10\n2,9\n3,10\n").unwrap();
        assert_eq!(data.targets, Targets::Classes { labels: vec![1, 0, 1], class_names: vec!["9".into(), "10".into()] });
        let data = parse("a,y\n1,2.0\n2,-0\n3,2\n4,0\n").unwrap();
        assert_eq!(data.targets, Targets::Classes { labels: vec![1, 0, 1, 0], class_names: vec!["-0".into(), "2.0".into()] });
        let data = parse("a,y\n1,0.5\n2,1.5\n").unwrap();
        assert_eq!(data.targets, Targets::Values { values: vec![0.5, 1.5], outputs: 1 });
        let many: String = (0..30).map(|i| format!("{i},{i}\n")).collect();
        assert!(matches!(parse(&many).unwrap().targets, Targets::Values { .. }), "30 distinct integers are values");
        assert!(matches!(parse_with(&many, LabelColumn::Last, TargetKind::Classes).unwrap().targets, Targets::Classes { .. }));
    }

    #[test]
    fn the_label_column_by_name_or_index_and_quoted_fields() {
        let text = "\"label\",\"x, with comma\",y\n\"cat\",\"1.5\",2\nhouse,\" 3 \",4\n";
        let data = parse_with(text, LabelColumn::Name("label".into()), TargetKind::Auto).unwrap();
        assert_eq!(data.feature_names, vec!["x, with comma", "y"]);
        assert_eq!(data.features, vec![1.5, 2.0, 3.0, 4.0]);
        let by_index = parse_with(text, LabelColumn::Index(0), TargetKind::Auto).unwrap();
        assert_eq!(by_index, data);
    }

    #[test]
    fn a_bad_cell_is_named_by_line_column_and_header() {
        let error = parse("sepal,petal,petal_width,species\n1,2,3,a\n1,2,abc,b\n").unwrap_err();
        assert_eq!(error.to_string(), "line 3, column 3 ('petal_width'): 'abc' is not a number");
        let error = parse("1,2,0\n1,,1\n").unwrap_err();
        assert_eq!(error.to_string(), "line 2, column 2 is empty: every cell needs a value (missing values are not supported)");
        let error = parse("x,y\ninf,1\n").unwrap_err();
        assert_eq!(error.to_string(), "line 2, column 1 ('x'): 'inf' is not a finite number");
    }

    #[test]
    fn ragged_rows_are_named() {
        let error = parse("a,b,c,d,e\n1,2,3,4,5\n\n1,2,3,4\n").unwrap_err();
        assert_eq!(error.to_string(), "line 4 has 4 fields but the header has 5");
        let error = parse("1,2,3\n1,2\n").unwrap_err();
        assert_eq!(error.to_string(), "line 2 has 2 fields but line 1 has 3");
    }

    #[test]
    fn missing_columns_rows_and_files() {
        assert_eq!(parse(""), Err(DataError::EmptyFile));
        assert_eq!(parse("\n  \n"), Err(DataError::EmptyFile));
        assert_eq!(parse("x,label\n"), Err(DataError::NoDataRows));
        assert_eq!(parse("label\ncat\n"), Err(DataError::NoFeatureColumns));
        let error = parse_with("a,b\n1,2\n", LabelColumn::Name("kind".into()), TargetKind::Auto).unwrap_err();
        assert_eq!(error.to_string(), "there is no label column named 'kind'; the columns are: a, b");
        let error = parse_with("1,2\n", LabelColumn::Name("kind".into()), TargetKind::Auto).unwrap_err();
        assert!(matches!(error, DataError::LabelNameWithoutHeader { .. }));
        let error = parse_with("a,b\n1,2\n", LabelColumn::Index(5), TargetKind::Auto).unwrap_err();
        assert_eq!(error.to_string(), "label column 6 does not exist: the file has 2 columns (counting from 1)");
        let error = parse_with("a,b\n1,cat\n", LabelColumn::Last, TargetKind::Values).unwrap_err();
        assert_eq!(error.to_string(), "line 2, column 2 ('b'): 'cat' is not a number, so this label column cannot be a regression target");
    }

    #[test]
    fn windows_line_endings_a_byte_order_mark_and_semicolons() {
        let data =
            parse_csv("\u{feff}x;y;label\r\n1;2;a\r\n3;4;b\r\n".as_bytes(), &CsvOptions { delimiter: Some(b';'), ..CsvOptions::default() })
                .unwrap();
        assert_eq!(data.feature_names, vec!["x", "y"]);
        assert_eq!(data.features, vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn a_single_class_is_warned_about() {
        let data = parse("x,y,label\n1,2,a\n3,4,a\n").unwrap();
        assert_eq!(
            data.warnings,
            vec!["column `label` holds one class (`a`) only: every sample has the same label, so accuracy will be 100 % whatever the network"]
        );
        assert!(data.subset(&[1]).warnings == data.warnings, "subsets keep the warning");
        let data = parse("1,2,7\n3,4,7\n").unwrap();
        assert!(data.warnings[0].starts_with("column `3` holds one class (`7`) only"), "{:?}", data.warnings);
        assert!(parse("x,y,label\n1,2,a\n3,4,b\n").unwrap().warnings.is_empty());
        assert!(parse("x,y\n1,0.5\n3,0.5\n").unwrap().warnings.is_empty(), "one regression value is not a class");
    }

    #[test]
    fn semicolons_with_decimal_commas_and_tabs_are_detected() {
        let data = parse("x;y;label\n1,5;2,25;a\n-3;4,5e1;b\n").unwrap();
        assert_eq!(data.feature_names, vec!["x", "y"]);
        assert_eq!(data.features, vec![1.5, 2.25, -3.0, 45.0]);
        assert!(data.warnings.is_empty(), "{:?}", data.warnings);
        let data = parse("x\ty\tlabel\n1.5\t2\ta\n3\t4\tb\n").unwrap();
        assert_eq!(data.features, vec![1.5, 2.0, 3.0, 4.0]);
        let data = parse("\"a;b\",y,label\n1,2,a\n3,4,b\n").unwrap();
        assert_eq!(data.feature_names, vec!["a;b", "y"], "a quoted separator does not count");
        // With a comma given, a semicolon file's commas stay separators.
        let error = parse_csv("x;y\n1,5;2\n".as_bytes(), &CsvOptions { delimiter: Some(b','), ..CsvOptions::default() });
        assert!(error.is_err());
    }

    #[test]
    fn an_ambiguous_separator_is_named() {
        let data = parse("1,5;2,5;0\n3,5;4,5;1\n").unwrap();
        assert_eq!(data.features, vec![1.5, 2.5, 3.5, 4.5]);
        assert_eq!(data.warnings, vec!["every line has `;` as well as `,`; read as `;`-separated, with decimal commas"]);
        let error = parse("a;b;c,d\n1;2;3\n4;5\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 3 has 2 fields but the header has 3 (no separator appears equally often on every line; the first has 2 `;`, 1 `,`, so it is read as `;`-separated)",
            "no separator fits every line: the first line's commonest wins, and the error says so"
        );
        let error = parse("x;y;label\n1,2,a\n").unwrap_err();
        assert_eq!(error.to_string(), "line 2 has 1 fields but the header has 3");
        let error = parse("a b c\n1 2 3\n").unwrap_err();
        assert_eq!(error, DataError::NoFeatureColumns);
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_line() {
        let error = parse_csv(b"x,label\n1,a\n2,\xff\n", &CsvOptions::default()).unwrap_err();
        assert!(matches!(error, DataError::UnreadableCsv { line: 3, .. }), "{error:?}");
    }
}
