//! Normalize stage: text in, normalized word tokens out.
//!
//! The definition of a token, applied to the whole text, is:
//! 1. Unicode NFKC (full-width forms, ligatures and compatibility characters fold
//!    to their plain forms),
//! 2. lowercase, character by character (Unicode's default lowercase mapping),
//! 3. every character that is neither alphanumeric nor a combining mark becomes a
//!    space ("punctuation out"),
//! 4. UAX #29 word boundaries; the words are the segments that hold a letter or a
//!    digit. CJK ideographs are one word each, so word n-grams become character
//!    n-grams there, as DESIGN.md asks.
//!
//! [`reference_tokens`] is that definition written plainly. [`Normalizer`] gives the
//! same tokens faster: it cuts the text at ASCII spaces and punctuation (which step 3
//! turns into spaces anyway, and across which UAX #29 never joins a word) and takes
//! an ASCII chunk (nearly all of English news) through a byte loop, sending only the
//! chunks holding non-ASCII characters through NFKC and the UAX #29 segmenter. The
//! tests check the two against each other on random ASCII and mixed-script text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;

/// Reusable buffers for tokenizing, one per worker thread.
#[derive(Debug, Default)]
pub struct Normalizer {
    lower: Vec<u8>,
    unicode: String,
}

impl Normalizer {
    /// Creates a normalizer with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `emit` with each normalized token of `text`, in order.
    pub fn tokens(&mut self, text: &str, mut emit: impl FnMut(&str)) {
        let bytes = text.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            let skip = separator_len(text, pos);
            if skip > 0 {
                pos += skip;
                continue;
            }
            let start = pos;
            let mut all_ascii = true;
            let mut has_upper = false;
            while pos < bytes.len() {
                let byte = bytes[pos];
                if byte < 0x80 {
                    if !byte.is_ascii_alphanumeric() {
                        break;
                    }
                    has_upper |= byte.is_ascii_uppercase();
                    pos += 1;
                } else {
                    let width = utf8_width(byte);
                    if separator_len(text, pos) > 0 {
                        break;
                    }
                    all_ascii = false;
                    pos += width;
                }
            }
            // Both ends are at char boundaries: ASCII bytes, separators, or the ends.
            let chunk = &text[start..pos];
            if !all_ascii {
                self.unicode_chunk(chunk, &mut emit);
            } else if has_upper {
                self.lower.clear();
                self.lower
                    .extend(chunk.bytes().map(|byte| byte.to_ascii_lowercase()));
                // The bytes are ASCII letters and digits: valid UTF-8.
                if let Ok(token) = std::str::from_utf8(&self.lower) {
                    emit(token);
                }
            } else {
                emit(chunk);
            }
        }
    }

    /// Whether `text` holds at least one token; stops at the first.
    pub fn has_token(&mut self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            // An ASCII letter or digit is a token on its own: the common answer.
            if bytes[pos].is_ascii_alphanumeric() {
                return true;
            }
            if bytes[pos] < 0x80 {
                pos += 1;
                continue;
            }
            // A run of non-ASCII: ask the full definition about it.
            let start = pos;
            while pos < bytes.len() && bytes[pos] >= 0x80 {
                pos += 1;
            }
            let mut found = false;
            self.unicode_chunk(&text[start..pos], &mut |_: &str| found = true);
            if found {
                return true;
            }
        }
        false
    }

    fn unicode_chunk(&mut self, chunk: &str, emit: &mut impl FnMut(&str)) {
        let mut mapped = std::mem::take(&mut self.unicode);
        mapped.clear();
        map_chars(chunk, &mut mapped);
        for word in mapped.unicode_words() {
            emit(word);
        }
        self.unicode = mapped;
    }
}

/// Width in bytes of the UTF-8 sequence starting with `lead`.
fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// Length of the separator at `pos` (0 when none): an ASCII byte that is not a
/// letter or digit, or one of the common non-ASCII punctuation marks of news
/// text (quotes, dashes, ellipsis, no-break space, CJK full stops and brackets).
/// Each of those is, like ASCII punctuation, neither alphanumeric nor a mark and
/// has an NFKC form without letters, digits or marks, so treating it as a space
/// before normalizing gives the reference's tokens. U+2017 and U+203E are left
/// out: their NFKC forms hold combining marks.
fn separator_len(text: &str, pos: usize) -> usize {
    let byte = text.as_bytes()[pos];
    if byte < 0x80 {
        return usize::from(!byte.is_ascii_alphanumeric());
    }
    let Some(c) = text[pos..].chars().next() else {
        return 0;
    };
    let separator = matches!(c as u32,
        0xA0 | 0xAB | 0xB7 | 0xBB
        | 0x2010..=0x2016 | 0x2018..=0x2027 | 0x2030..=0x203D | 0x203F..=0x205E
        | 0x3000..=0x3003 | 0x3008..=0x3011);
    if separator { c.len_utf8() } else { 0 }
}

/// Steps 1 to 3 of the definition: NFKC, lowercase, punctuation to spaces.
fn map_chars(text: &str, out: &mut String) {
    for composed in text.nfkc() {
        for lower in composed.to_lowercase() {
            if lower.is_alphanumeric() || is_combining_mark(lower) {
                out.push(lower);
            } else {
                out.push(' ');
            }
        }
    }
}

/// The token definition applied to the whole text at once, without fast paths.
/// Slow; kept as the specification that [`Normalizer::tokens`] is tested against.
pub fn reference_tokens(text: &str) -> Vec<String> {
    let mut mapped = String::with_capacity(text.len());
    map_chars(text, &mut mapped);
    mapped.unicode_words().map(str::to_owned).collect()
}

/// Number of words in a line, for the boilerplate rules, which only ask "more
/// than `limit`?". A word here is a run of non-whitespace (so a lone `|` or `—`
/// counts too: menus and separators are short lines either way), except that a
/// run of CJK characters, written without spaces, counts one word per character.
/// An ASCII line is counted by a loop the compiler vectorizes (this runs on every
/// line of every document); a line with other characters is walked run by run
/// and stops once past `limit`.
pub fn word_count_up_to(line: &str, limit: usize) -> usize {
    let bytes = line.as_bytes();
    // In ASCII, whitespace and control characters are the bytes <= 0x20. One
    // pass counts the starts of runs above it and ORs the bytes together (to see
    // whether the line is ASCII at all), in chunks of 255 whose u8 sums cannot
    // overflow, a shape the compiler vectorizes.
    let mut starts = usize::from(bytes.first().is_some_and(|&b| b > b' '));
    // Lead bytes 0xE3..=0xEF start the three-byte characters where the wide
    // scripts live; without one, every run counts one (curly quotes and dashes,
    // 0xE2, are common in news and stay on this path).
    let mut wide_lead = u8::from(bytes.first().is_some_and(|&b| b.wrapping_sub(0xE3) <= 0x0C));
    let rest = bytes.get(1..).unwrap_or_default();
    for (prev, next) in bytes.chunks(255).zip(rest.chunks(255)) {
        let (count, wide) = prev
            .iter()
            .zip(next)
            .fold((0u8, 0u8), |(count, wide), (&a, &b)| {
                (
                    count.wrapping_add(u8::from(a <= b' ') & u8::from(b > b' ')),
                    wide | u8::from(b.wrapping_sub(0xE3) <= 0x0C),
                )
            });
        starts += count as usize;
        wide_lead |= wide;
    }
    if wide_lead == 0 {
        return starts;
    }
    let mut count = 0;
    for run in line.split(|c: char| c <= ' ').filter(|run| !run.is_empty()) {
        let wide = run.chars().filter(|c| is_wide_script(*c)).count();
        count += wide.max(1);
        if count > limit {
            break;
        }
    }
    count
}

/// Number of words in a line (see [`word_count_up_to`]).
pub fn rough_word_count(line: &str) -> usize {
    word_count_up_to(line, usize::MAX - 1)
}

fn is_wide_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fast(text: &str) -> Vec<String> {
        let mut normalizer = Normalizer::new();
        let mut out = Vec::new();
        normalizer.tokens(text, |token| out.push(token.to_owned()));
        out
    }

    #[test]
    fn english_is_lowercased_and_punctuation_dropped() {
        assert_eq!(
            fast("Putin's visit, \"next month\" (U.S.) — 2,500-mile border!"),
            vec![
                "putin", "s", "visit", "next", "month", "u", "s", "2", "500", "mile", "border"
            ]
        );
    }

    #[test]
    fn curly_apostrophe_splits_like_the_ascii_one() {
        assert_eq!(fast("Wang’s trip"), fast("Wang's trip"));
    }

    #[test]
    fn cjk_gives_one_token_per_ideograph() {
        assert_eq!(fast("王毅访问"), vec!["王", "毅", "访", "问"]);
    }

    #[test]
    fn nfkc_folds_full_width_and_ligatures() {
        assert_eq!(fast("ＡＢＣ ﬁle"), vec!["abc", "file"]);
    }

    #[test]
    fn accented_words_stay_whole() {
        assert_eq!(fast("Café CAFÉ cafe\u{301}"), vec!["café", "café", "café"]);
    }

    #[test]
    fn has_token_agrees_with_tokens() {
        let mut normalizer = Normalizer::new();
        for text in [
            "",
            "  ,.;",
            "\u{ff9e}",
            "\u{ff9e}\u{ff9f} — ",
            "— a",
            "王",
            "é",
            "\u{301}",
        ] {
            assert_eq!(
                normalizer.has_token(text),
                !fast(text).is_empty(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn word_count_counts_ideographs() {
        assert_eq!(rough_word_count("Leave a Reply"), 3);
        assert_eq!(rough_word_count("真相集中营"), 5);
        assert_eq!(rough_word_count("王毅 visits"), 3);
        assert_eq!(rough_word_count("“Quoted” — text’s words"), 4);
        assert_eq!(rough_word_count(" — | "), 2);
        assert_eq!(rough_word_count("Wang’s trip,  café talks\t"), 4);
        assert_eq!(
            rough_word_count("Wang’s trip,  café talks\t"),
            rough_word_count("Wang's trip,  cafe talks\t")
        );
        assert!(word_count_up_to("a b c d e f g", 3) > 3);
        assert!(word_count_up_to("a b c d e f g é", 3) > 3);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn word_count_fast_path_matches_the_run_by_run_count(
            text in "([ \t]|[a-z]|[’“—é]|[王毅]|[가]){0,30}"
        ) {
            let slow: usize = text
                .split(|c: char| c <= ' ')
                .filter(|run| !run.is_empty())
                .map(|run| run.chars().filter(|c| is_wide_script(*c)).count().max(1))
                .sum();
            prop_assert_eq!(rough_word_count(&text), slow);
        }

        #[test]
        fn has_token_matches_the_reference(
            text in "([ ,.!-]|[\u{ff9e}\u{ff9f}\u{301}]|[a1é王’—]){0,12}"
        ) {
            prop_assert_eq!(Normalizer::new().has_token(&text), !reference_tokens(&text).is_empty());
        }

        #[test]
        fn ascii_fast_path_matches_the_reference(text in "[ -~\\t\\n]{0,80}") {
            prop_assert_eq!(fast(&text), reference_tokens(&text));
        }

        #[test]
        fn mixed_scripts_match_the_reference(
            text in "([a-zA-Z0-9 ,.'\"!?-]|[éÉßüÜ]|[\u{301}\u{308}\u{338}]|[王毅访问]|[ぁ-ゔ]|[ァ-ヺ]|[’“”—–…‗‾\u{a0}«»·]|[\u{2010}-\u{2060}]|[\u{3000}-\u{3012}]|[ＡＢ１]|[ﬁﬂ]|[Ωω]|[가-각]){0,40}"
        ) {
            prop_assert_eq!(fast(&text), reference_tokens(&text));
        }
    }
}
