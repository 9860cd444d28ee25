//! Which character separates a CSV file's cells (comma, semicolon or tab), found from its first
//! lines, and decimal commas read as points in files split by semicolons.

use super::csv::is_number;

/// The separators detection chooses from, in the order it prefers them when several fit: a file
/// split by semicolons or tabs often has commas inside its numbers, the other way round rarely.
const SEPARATORS: [u8; 3] = [b'\t', b';', b','];

/// How many lines detection looks at.
const DETECTION_LINES: usize = 20;

pub(super) fn separator_name(separator: u8) -> &'static str {
    match separator {
        b'\t' => "tab",
        b';' => "`;`",
        b',' => "`,`",
        _ => "separator",
    }
}

/// The separator of a file, from how often each candidate appears, outside quotes, on its first
/// non-blank lines: the one found the same nonzero number of times on every line. A note says
/// what was found when more than one fits, or when none does and the first line has several.
pub(super) fn detect_separator(bytes: &[u8]) -> (u8, Option<String>) {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(DETECTION_LINES).collect();
    let counts = |separator: u8| -> Vec<usize> {
        lines
            .iter()
            .map(|line| {
                let mut quoted = false;
                line.bytes()
                    .filter(|&b| {
                        if b == b'"' {
                            quoted = !quoted;
                        }
                        !quoted && b == separator
                    })
                    .count()
            })
            .collect()
    };
    let consistent: Vec<u8> = SEPARATORS
        .into_iter()
        .filter(|&s| {
            let c = counts(s);
            !c.is_empty() && c[0] > 0 && c.iter().all(|&n| n == c[0])
        })
        .collect();
    match consistent.as_slice() {
        [] => {
            let first_line: Vec<(u8, usize)> =
                SEPARATORS.into_iter().map(|s| (s, counts(s).first().copied().unwrap_or(0))).filter(|&(_, n)| n > 0).collect();
            let Some(&(separator, _)) = first_line.iter().rev().max_by_key(|&&(_, n)| n) else { return (b',', None) };
            if first_line.len() == 1 {
                // One candidate only: uneven counts are ragged rows, which the reader reports.
                return (separator, None);
            }
            let found: Vec<String> = first_line.iter().map(|&(s, n)| format!("{n} {}", separator_name(s))).collect();
            let note = format!(
                "no separator appears equally often on every line; the first has {}, so it is read as {}-separated",
                found.join(", "),
                separator_name(separator)
            );
            (separator, Some(note))
        }
        [only] => (*only, None),
        [first, others @ ..] => {
            let note = format!(
                "every line has {} as well as {}; read as {}-separated{}",
                separator_name(*first),
                others.iter().map(|&s| separator_name(s)).collect::<Vec<_>>().join(" and "),
                separator_name(*first),
                if *first == b';' { ", with decimal commas" } else { "" }
            );
            (*first, Some(note))
        }
    }
}

/// `1,5` as `1.5` (the decimal comma of files split by semicolons); other cells unchanged.
pub(super) fn decimal_point(cell: &mut String) {
    let Some((whole, fraction)) = cell.split_once(',') else { return };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let whole_digits = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    let fraction_digits = fraction.split(['e', 'E']).next().unwrap_or(fraction);
    if digits(whole_digits) && digits(fraction_digits) && is_number(&format!("{whole}.{fraction}")) {
        *cell = format!("{whole}.{fraction}");
    }
}
