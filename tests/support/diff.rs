//! A readable line diff of expected and actual output, with every line shown escaped
//! (`{:?}`) so that trailing blanks, escape codes and missing final newlines are visible.

/// The lines of `text`, each with its own `\n` (the last one may lack it).
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// A diff of `want` against `got`: `  ` common line, `- ` only expected, `+ ` only
/// actual (`- (nothing)`/`+ (nothing)` for an empty side); each line indented by
/// `indent`. Empty when the two are equal.
pub fn diff(want: &str, got: &str, indent: &str) -> String {
    if want == got {
        return String::new();
    }
    let (a, b) = (lines(want), lines(got));
    // Longest common subsequence table, from the end (outputs are short).
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] =
                if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut out = String::new();
    if want.is_empty() {
        out.push_str(&format!("{indent}- (nothing)\n"));
    }
    if got.is_empty() {
        out.push_str(&format!("{indent}+ (nothing)\n"));
    }
    let mut line = |mark: &str, l: &str| out.push_str(&format!("{indent}{mark}{l:?}\n"));
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            line("  ", a[i]);
            (i, j) = (i + 1, j + 1);
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            line("- ", a[i]);
            i += 1;
        } else {
            line("+ ", b[j]);
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(diff("a\nb\n", "a\nb\n", ""), "");
    }

    #[test]
    fn changed_line_shows_escaped() {
        assert_eq!(
            diff("a\nb \nc\n", "a\nb\nc\n", "> "),
            ">   \"a\\n\"\n> - \"b \\n\"\n> + \"b\\n\"\n>   \"c\\n\"\n"
        );
    }

    #[test]
    fn missing_final_newline_is_visible() {
        assert_eq!(diff("x\n", "x", ""), "- \"x\\n\"\n+ \"x\"\n");
    }

    #[test]
    fn empty_side_is_named() {
        assert_eq!(diff("", "oops\n", ""), "- (nothing)\n+ \"oops\\n\"\n");
    }
}
