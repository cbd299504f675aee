//! Plain-text tables for the terminal: a header, a rule, and columns padded to their widest cell.

/// Renders `rows` under `header`, columns separated by two spaces, trailing spaces trimmed.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|title| title.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    let mut lines = vec![
        line(&mut header.iter().copied()),
        line(&mut rule.iter().map(String::as_str)),
    ];
    lines.extend(
        rows.iter()
            .map(|row| line(&mut row.iter().map(String::as_str))),
    );
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn columns_line_up_under_their_widest_cell() {
        let table = render(
            &["id", "name"],
            &[
                vec!["1".into(), "Ann".into()],
                vec!["10".into(), "Bartholomew".into()],
            ],
        );
        assert_eq!(table, "id  name\n--  -----------\n1   Ann\n10  Bartholomew");
    }
}
