//! Normalize stage: text in, normalized word tokens out.
//!
//! The definition of a token, applied to the whole text, is:
//! 1. Unicode NFKC (full-width forms, ligatures and compatibility characters fold
//!    to their plain forms),
//! 2. lowercase, character by character (Unicode's default lowercase mapping),
//! 3. every character that is neither alphanumeric nor a combining mark becomes a
//!    space ("punctuation out"),
//! 4. UAX #29 word boundaries; the words are the segments that hold a letter or a
//!    digit, less the spaces a segment starts with (UAX #29 attaches a combining
//!    mark to the space before it, and some marks, such as U+0345, count as
//!    letters). CJK ideographs are one word each, so word n-grams become character
//!    n-grams there, as DESIGN.md asks.
//!
//! [`reference_tokens`] is that definition written plainly. [`Normalizer`] gives the
//! same tokens faster: it cuts the text at ASCII spaces and punctuation (which step 3
//! turns into spaces anyway, and across which UAX #29 never joins a word), finds
//! the runs between them 64 bytes at a time with SSE2 masks, and lower-cases a run
//! of ASCII letters and digits (nearly all of English news) directly, sending only
//! the runs holding non-ASCII characters through NFKC and the UAX #29 segmenter.
//! [`Normalizer::token_hashes`] gives each token's xxh3 hash instead, hashing ASCII
//! runs where they lie. The tests check all three against each other on random
//! ASCII and mixed-script text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64;

/// Reusable buffers for tokenizing, one per worker thread.
#[derive(Debug, Default)]
pub struct Normalizer {
    lower: String,
    unicode: String,
}

impl Normalizer {
    /// Creates a normalizer with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `emit` with each normalized token of `text`, in order.
    ///
    /// The text is cut at ASCII separators into runs of word bytes (see
    /// `for_each_run`). A run holding a non-ASCII byte goes through the
    /// character loop (`Normalizer::chunk_tokens`), which also splits at the
    /// common non-ASCII punctuation.
    pub fn tokens(&mut self, text: &str, mut emit: impl FnMut(&str)) {
        for_each_run(text, |start, end, upper, high| {
            self.emit_run(&text[start..end], upper, high, &mut emit);
        });
    }

    /// Appends to `out` the xxh3-64 hash of each token [`Normalizer::tokens`]
    /// gives, in order, exactly as `xxh3_64(token.as_bytes())` would.
    ///
    /// A run of ASCII letters and digits (nearly every token of English news)
    /// is hashed where it lies in the text, lower-cased on the fly: setting bit
    /// 5 of each byte maps `A-Z` to `a-z` and leaves `a-z` and `0-9` alone, so
    /// no copy into a lower-case buffer and no call through the string path
    /// is needed (see `ascii_token_hash`). Other runs take the string path.
    ///
    /// The runs are read off the block masks as in `for_each_run`, but
    /// paired directly: within a block the k-th run start left after closing
    /// the run carried in pairs with the k-th run end, and a block without
    /// non-ASCII bytes (nearly all) needs no per-run check of them. (Reading
    /// the runs through `for_each_run` rewritten this way, for both callers,
    /// took 0.34 s against 0.33 for this stage on 200 MB at one thread, and
    /// `tokens` needs the capitals this loop does not track.)
    pub fn token_hashes(&mut self, text: &str, out: &mut Vec<u64>) {
        let bytes = text.as_bytes();
        // The run open at the end of the previous block: its start, and
        // whether it holds a non-ASCII byte so far.
        let mut open: Option<(usize, bool)> = None;
        for RunBlock {
            base,
            masks,
            mut starts,
            mut ends,
        } in RunBlocks::new(bytes)
        {
            if let Some((start, high)) = open {
                if ends == 0 {
                    // The whole block continues the run.
                    open = Some((start, high || masks.high != 0));
                    continue;
                }
                let end = ends.trailing_zeros();
                ends &= ends - 1;
                let high = high || masks.high & ((1u64 << end) - 1) != 0;
                self.push_run_hash(text, start, base + end as usize, high, out);
                open = None;
            }
            while starts != 0 {
                let from = starts.trailing_zeros();
                starts &= starts - 1;
                if ends == 0 {
                    open = Some((base + from as usize, masks.high >> from != 0));
                    break;
                }
                let end = ends.trailing_zeros();
                ends &= ends - 1;
                let (start, stop) = (base + from as usize, base + end as usize);
                if masks.high == 0 {
                    out.push(ascii_token_hash(&bytes[start..stop]));
                } else {
                    let part = (!0u64 << from) & ((1u64 << end) - 1);
                    self.push_run_hash(text, start, stop, masks.high & part != 0, out);
                }
            }
        }
    }

    /// The hashes of the run `text[start..end]` (`high`: it holds a non-ASCII
    /// byte).
    #[inline(always)]
    fn push_run_hash(
        &mut self,
        text: &str,
        start: usize,
        end: usize,
        high: bool,
        out: &mut Vec<u64>,
    ) {
        if high {
            self.non_ascii_token_hashes(&text[start..end], out);
        } else {
            out.push(ascii_token_hash(&text.as_bytes()[start..end]));
        }
    }

    /// [`Normalizer::token_hashes`] for a run holding a non-ASCII byte; out of
    /// line, so that the ASCII path stays a tight loop.
    #[cold]
    #[inline(never)]
    fn non_ascii_token_hashes(&mut self, run: &str, out: &mut Vec<u64>) {
        self.chunk_tokens(run, &mut |token: &str| out.push(xxh3_64(token.as_bytes())));
    }

    /// One run between ASCII separators: emitted as is, lower-cased, or (with a
    /// non-ASCII byte) through the character loop.
    fn emit_run(&mut self, run: &str, upper: bool, high: bool, emit: &mut impl FnMut(&str)) {
        if high {
            self.chunk_tokens(run, emit);
        } else if upper {
            self.lower.clear();
            self.lower.push_str(run);
            self.lower.make_ascii_lowercase();
            emit(&self.lower);
        } else {
            emit(run);
        }
    }

    /// The character loop: splits `text` at ASCII and common non-ASCII
    /// separators, sends pieces with non-ASCII characters through NFKC and the
    /// UAX #29 segmenter, and lower-cases the rest.
    fn chunk_tokens(&mut self, text: &str, emit: &mut impl FnMut(&str)) {
        let bytes = text.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            match CLASS[bytes[pos] as usize] {
                SEPARATOR => {
                    pos += 1;
                    continue;
                }
                HIGH => {
                    let skip = non_ascii_separator_len(bytes, pos);
                    if skip > 0 {
                        pos += skip;
                        continue;
                    }
                }
                _ => {}
            }
            let start = pos;
            let mut seen = 0u8;
            while pos < bytes.len() {
                let class = CLASS[bytes[pos] as usize];
                if class == SEPARATOR {
                    break;
                }
                if class == HIGH {
                    if non_ascii_separator_len(bytes, pos) > 0 {
                        break;
                    }
                    pos += utf8_width(bytes[pos]);
                } else {
                    pos += 1;
                }
                seen |= class;
            }
            // Both ends are at char boundaries: ASCII bytes, separators, or the ends.
            let chunk = &text[start..pos];
            if seen & HIGH != 0 {
                self.unicode_chunk(chunk, emit);
            } else {
                self.emit_run(chunk, seen & UPPER != 0, false, emit);
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
            emit(word.trim_start_matches(' '));
        }
        self.unicode = mapped;
    }
}

/// Calls `run(start, end, upper, high)` with the byte range of each run of
/// word bytes of `text` (ASCII letters and digits, and every non-ASCII byte),
/// in order, and whether it holds an ASCII capital (`upper`) or a non-ASCII
/// byte (`high`). Runs are cut at ASCII separators, so both ends are char
/// boundaries.
///
/// The text is read 64 bytes at a time: one SSE2 pass a block gives bit masks
/// of word bytes, capitals and non-ASCII bytes, and the runs are read off the
/// masks with bit tricks. A byte-at-a-time loop mispredicted the end of nearly
/// every word and separator run: 230 MB/s on BASIL against 1 GB/s or more this
/// way.
#[inline(always)]
fn for_each_run(text: &str, mut run: impl FnMut(usize, usize, bool, bool)) {
    const NONE: usize = usize::MAX;
    let mut open = NONE;
    let (mut upper, mut high) = (false, false);
    // The last block is padded with separators, so a run open at the end
    // closes in the loop and `run` is called from one place only (and inlined
    // there).
    for RunBlock {
        base,
        masks,
        mut starts,
        mut ends,
    } in RunBlocks::new(text.as_bytes())
    {
        // Where the open run's part in this block starts.
        let mut from = 0u32;
        loop {
            if open == NONE {
                if starts == 0 {
                    break;
                }
                from = starts.trailing_zeros();
                starts &= starts - 1;
                open = base + from as usize;
                (upper, high) = (false, false);
            }
            if ends == 0 {
                // The run goes on into the next block.
                let part = !0u64 << from;
                upper |= masks.upper & part != 0;
                high |= masks.high & part != 0;
                break;
            }
            let end = ends.trailing_zeros();
            ends &= ends - 1;
            let part = (!0u64 << from) & ((1u64 << end) - 1);
            upper |= masks.upper & part != 0;
            high |= masks.high & part != 0;
            run(open, base + end as usize, upper, high);
            open = NONE;
        }
    }
}

/// The 64-byte blocks of a text with the starts and ends of its runs of word
/// bytes, for the run readers ([`for_each_run`], [`Normalizer::token_hashes`]).
/// One block more than the full ones is given, padded with zero bytes (which
/// are separators), so that a run open at the text's end closes in the last
/// block.
struct RunBlocks<'a> {
    bytes: &'a [u8],
    next: usize,
    /// Whether the previous block's last byte was a word byte.
    carry: u64,
}

/// One block: its offset in the text, its masks, and the bits of the bytes
/// where a run starts and of the bytes just past a run's end.
struct RunBlock {
    base: usize,
    masks: Masks,
    starts: u64,
    ends: u64,
}

impl<'a> RunBlocks<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            next: 0,
            carry: 0,
        }
    }
}

impl Iterator for RunBlocks<'_> {
    type Item = RunBlock;

    #[inline(always)]
    fn next(&mut self) -> Option<RunBlock> {
        let base = self.next;
        if base > self.bytes.len() {
            return None;
        }
        self.next += 64;
        let block = &self.bytes[base..self.bytes.len().min(base + 64)];
        let masks = if let Ok(full) = <&[u8; 64]>::try_from(block) {
            block_masks(full)
        } else {
            let mut padded = [0u8; 64];
            padded[..block.len()].copy_from_slice(block);
            block_masks(&padded)
        };
        let word = masks.word;
        let previous = (word << 1) | self.carry;
        self.carry = word >> 63;
        Some(RunBlock {
            base,
            masks,
            starts: word & !previous,
            ends: !word & previous,
        })
    }
}

/// `xxh3_64` of the lower-cased bytes of `run`, a non-empty run of ASCII
/// letters and digits, computed without copying it.
///
/// XXH3's short-input functions (seed 0, default secret) for 1-3, 4-8 and 9-16
/// bytes, as in the XXH3 specification and the xxhash-rust crate, read at most
/// the first and last 8 bytes; they are applied here to those words with bit 5
/// of every byte set, which lower-cases `A-Z` and keeps `a-z` and `0-9`. The
/// `FLIP_*` constants are the default secret's words XORed as each function
/// does. Longer runs are lower-cased on the stack and hashed by the crate.
/// A test checks this against `xxh3_64` for lengths 1 to 40, 63 to 65 and
/// 100 at every offset of a text.
#[inline(always)]
fn ascii_token_hash(run: &[u8]) -> u64 {
    const FLIP_1TO3: u64 = 0x8727_5a9b;
    const FLIP_4TO8: u64 = 0xc73a_b174_c5ec_d5a2;
    const FLIP_9TO16_LOW: u64 = 0x6782_737b_ea42_39b9;
    const FLIP_9TO16_HIGH: u64 = 0xaf56_bc3b_0996_523a;
    const LOWER_32: u32 = 0x2020_2020;
    const LOWER_64: u64 = 0x2020_2020_2020_2020;
    let len = run.len();
    debug_assert!(len > 0, "runs are never empty");
    if len <= 3 {
        let combo = (u32::from(run[0] | 0x20) << 16)
            | (u32::from(run[len >> 1] | 0x20) << 24)
            | u32::from(run[len - 1] | 0x20)
            | ((len as u32) << 8);
        xxh64_avalanche(u64::from(combo) ^ FLIP_1TO3)
    } else if len <= 8 {
        let first = read_u32(run) | LOWER_32;
        let last = read_u32(&run[len - 4..]) | LOWER_32;
        let keyed = u64::from(last).wrapping_add(u64::from(first) << 32) ^ FLIP_4TO8;
        xxh3_strong_avalanche(keyed, len as u64)
    } else if len <= 16 {
        let low = (read_u64(run) | LOWER_64) ^ FLIP_9TO16_LOW;
        let high = (read_u64(&run[len - 8..]) | LOWER_64) ^ FLIP_9TO16_HIGH;
        let product = u128::from(low) * u128::from(high);
        let acc = (len as u64)
            .wrapping_add(low.swap_bytes())
            .wrapping_add(high)
            .wrapping_add(product as u64 ^ (product >> 64) as u64);
        xxh3_avalanche(acc)
    } else {
        long_ascii_token_hash(run)
    }
}

/// [`ascii_token_hash`] for runs of more than 16 bytes (rare in news), out of
/// line.
#[cold]
#[inline(never)]
fn long_ascii_token_hash(run: &[u8]) -> u64 {
    if !run.iter().any(u8::is_ascii_uppercase) {
        return xxh3_64(run);
    }
    let mut lower = [0u8; 64];
    match lower.get_mut(..run.len()) {
        Some(lower) => {
            for (to, from) in lower.iter_mut().zip(run) {
                *to = from | 0x20;
            }
            xxh3_64(lower)
        }
        None => xxh3_64(&run.to_ascii_lowercase()),
    }
}

/// The first four bytes of `bytes` (at least four), little-endian.
#[inline(always)]
fn read_u32(bytes: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(word)
}

/// The first eight bytes of `bytes` (at least eight), little-endian.
#[inline(always)]
fn read_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// XXH64's avalanche (XXH3 uses it for 1 to 3 bytes).
#[inline(always)]
fn xxh64_avalanche(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    value ^= value >> 29;
    value = value.wrapping_mul(0x1656_67b1_9e37_79f9);
    value ^ (value >> 32)
}

/// XXH3's `rrmxmx` (4 to 8 bytes).
#[inline(always)]
fn xxh3_strong_avalanche(mut value: u64, len: u64) -> u64 {
    value ^= value.rotate_left(49) ^ value.rotate_left(24);
    value = value.wrapping_mul(0x9fb2_1c65_1e98_df25);
    value ^= (value >> 35).wrapping_add(len);
    value = value.wrapping_mul(0x9fb2_1c65_1e98_df25);
    value ^ (value >> 28)
}

/// XXH3's avalanche (9 to 16 bytes).
#[inline(always)]
fn xxh3_avalanche(mut value: u64) -> u64 {
    value ^= value >> 37;
    value = value.wrapping_mul(0x1656_6791_9e37_79f9);
    value ^ (value >> 32)
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

/// Byte classes of the tokenizer's fast path: an ASCII byte that is not a
/// letter or digit (a separator), a lower-case letter or digit, an upper-case
/// letter, or a byte of a non-ASCII character. One table look-up a byte.
const SEPARATOR: u8 = 0;
const LOWER: u8 = 1;
const UPPER: u8 = 2;
const HIGH: u8 = 4;

static CLASS: [u8; 256] = {
    let mut table = [SEPARATOR; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b'a'..=b'z' | b'0'..=b'9' => LOWER,
            b'A'..=b'Z' => UPPER,
            0x80..=0xFF => HIGH,
            _ => SEPARATOR,
        };
        byte += 1;
    }
    table
};

/// Bit `i` of each mask describes byte `i` of a 64-byte block.
struct Masks {
    /// ASCII letters and digits, and every byte of a non-ASCII character.
    word: u64,
    /// ASCII upper-case letters.
    upper: u64,
    /// Bytes of non-ASCII characters.
    high: u64,
}

/// The masks of one block, sixteen bytes at a time with SSE2 (part of every
/// x86-64 CPU).
#[cfg(target_arch = "x86_64")]
fn block_masks(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8,
    };
    let (mut word, mut upper, mut high) = (0u64, 0u64, 0u64);
    for (lane, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is in the x86-64 baseline, so these intrinsics are
        // always available; the load reads exactly the 16 bytes of `chunk`
        // (unaligned loads are allowed).
        let (letters_or_digits, capitals, non_ascii) = unsafe {
            let bytes = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            // Signed compares: non-ASCII bytes are negative and fall outside
            // every ASCII range.
            let within = |low: u8, high: u8| {
                _mm_and_si128(
                    _mm_cmpgt_epi8(bytes, _mm_set1_epi8(low as i8 - 1)),
                    _mm_cmplt_epi8(bytes, _mm_set1_epi8(high as i8 + 1)),
                )
            };
            let capitals = within(b'A', b'Z');
            let lower = _mm_or_si128(within(b'a', b'z'), within(b'0', b'9'));
            (
                _mm_movemask_epi8(_mm_or_si128(lower, capitals)) as u32 as u64,
                _mm_movemask_epi8(capitals) as u32 as u64,
                _mm_movemask_epi8(bytes) as u32 as u64,
            )
        };
        let shift = 16 * lane;
        word |= (letters_or_digits | non_ascii) << shift;
        upper |= capitals << shift;
        high |= non_ascii << shift;
    }
    Masks { word, upper, high }
}

/// The masks of one block, a byte at a time (other architectures).
#[cfg(not(target_arch = "x86_64"))]
fn block_masks(block: &[u8; 64]) -> Masks {
    scalar_block_masks(block)
}

/// The masks by the byte table; the reference for the SIMD version.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_block_masks(block: &[u8; 64]) -> Masks {
    let (mut word, mut upper, mut high) = (0u64, 0u64, 0u64);
    for (bit, &byte) in block.iter().enumerate() {
        let class = CLASS[byte as usize];
        word |= u64::from(class != SEPARATOR) << bit;
        upper |= u64::from(class == UPPER) << bit;
        high |= u64::from(class == HIGH) << bit;
    }
    Masks { word, upper, high }
}

/// Length of the non-ASCII separator starting at `pos` (0 when none): one of the
/// common punctuation marks of news text (quotes, dashes, ellipsis, no-break
/// space, CJK full stops and brackets). Each is, like ASCII punctuation, neither
/// alphanumeric nor a mark and has an NFKC form without letters, digits or marks,
/// so treating it as a space before normalizing gives the reference's tokens.
/// U+2017 and U+203E are left out: their NFKC forms hold combining marks.
/// `pos` is at the lead byte of a character of valid UTF-8, decoded here by hand
/// (this runs on every curly quote of every document).
#[inline]
fn non_ascii_separator_len(bytes: &[u8], pos: usize) -> usize {
    let continuation = |at: usize| u32::from(bytes.get(pos + at).copied().unwrap_or(0) & 0x3F);
    let separator = match bytes[pos] {
        0xC2 => matches!(continuation(1), 0x20 | 0x2B | 0x37 | 0x3B),
        lead @ (0xE2 | 0xE3) => {
            let c = (u32::from(lead & 0x0F) << 12) | (continuation(1) << 6) | continuation(2);
            matches!(c,
                0x2010..=0x2016 | 0x2018..=0x2027 | 0x2030..=0x203D | 0x203F..=0x205E
                | 0x3000..=0x3003 | 0x3008..=0x3011)
        }
        _ => false,
    };
    match (separator, bytes[pos]) {
        (false, _) => 0,
        (true, 0xC2) => 2,
        (true, _) => 3,
    }
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
    mapped
        .unicode_words()
        .map(|word| word.trim_start_matches(' ').to_owned())
        .collect()
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
    // whether the line is ASCII at all), in chunks whose u8 sums cannot
    // overflow, a shape the compiler vectorizes. Chunks of 128 bytes hold
    // about 20 words of news, the largest limit the line table asks for, so a
    // long paragraph stops after one: 25% fewer instructions in the line table
    // than chunks of 255 (callgrind, 20 MB of `synth`).
    let mut starts = usize::from(bytes.first().is_some_and(|&b| b > b' '));
    // Lead bytes 0xE3..=0xEF start the three-byte characters where the wide
    // scripts live; without one, every run counts one (curly quotes and dashes,
    // 0xE2, are common in news and stay on this path).
    let mut wide_lead = u8::from(bytes.first().is_some_and(|&b| b.wrapping_sub(0xE3) <= 0x0C));
    let rest = bytes.get(1..).unwrap_or_default();
    for (prev, next) in bytes.chunks(128).zip(rest.chunks(128)) {
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
        // Every run counts at least one word on the wide path too, so past
        // `limit` here is past it there: long paragraphs stop after one chunk.
        if starts > limit {
            return starts;
        }
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

/// Calls `line(end, runs)` for each line of `bytes`, in order: `end` is the
/// offset of its newline (or the text's end, for the last line) and `runs`
/// the number of runs of bytes above the space in it, which is
/// [`word_count_up_to`]'s count for a line without wide-script characters
/// (lead bytes 0xE3..=0xEF; see [`has_wide_lead`]).
///
/// One sweep over the text, 64 bytes at a time: one SIMD pass gives the masks
/// of newlines and of bytes above the space, and the run starts before each
/// newline are counted off them. On the 813,644 lines of 200 MB of `synth`
/// this took 12 ms; before it a scan a line (masks until past 20 words, then
/// `memchr` for the newline) took 28 ms, and a `memchr` iterator alone, a
/// search a line, 19 ms: starting each search cost more than the search.
/// With AVX2 and POPCNT, detected at run time, a block is two loads and each
/// count one instruction (the x86-64 baseline counts a word's bits with
/// shifts and a multiplication); without them, SSE2 and the baseline count.
pub fn for_each_line(bytes: &[u8], line: impl FnMut(usize, usize)) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt")
    {
        // SAFETY: the CPU has AVX2 and POPCNT, checked just above.
        unsafe { for_each_line_avx2(bytes, line) };
        return;
    }
    for_each_line_with(bytes, line_block_masks, line);
}

/// [`for_each_line`] compiled for AVX2 and POPCNT (`line` is inlined into it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn for_each_line_avx2(bytes: &[u8], line: impl FnMut(usize, usize)) {
    // SAFETY: this function only runs where AVX2 is present.
    for_each_line_with(bytes, |block| unsafe { avx2_line_block_masks(block) }, line);
}

/// The body of [`for_each_line`], with the block masks given.
#[inline(always)]
fn for_each_line_with(
    bytes: &[u8],
    masks: impl Fn(&[u8; 64]) -> (u64, u64),
    mut line: impl FnMut(usize, usize),
) {
    let (mut runs, mut carry) = (0usize, 0u64);
    let mut at = 0;
    while at < bytes.len() {
        let (mut newlines, above) = match bytes.get(at..at + 64) {
            Some(block) => masks(block.try_into().expect("64 bytes")),
            None => {
                // Zero bytes are neither newlines nor above the space.
                let mut padded = [0u8; 64];
                padded[..bytes.len() - at].copy_from_slice(&bytes[at..]);
                masks(&padded)
            }
        };
        // A run starts where a byte above the space follows one that is not
        // (a newline is not, so each line's first run starts in it).
        let mut starts = above & !((above << 1) | carry);
        carry = above >> 63;
        while newlines != 0 {
            let newline = newlines.trailing_zeros();
            let before = (1u64 << newline) - 1;
            runs += (starts & before).count_ones() as usize;
            starts &= !before;
            line(at + newline as usize, runs);
            runs = 0;
            newlines &= newlines - 1;
        }
        runs += starts.count_ones() as usize;
        at += 64;
    }
    line(bytes.len(), runs);
}

/// Whether `bytes` hold a wide-script lead byte (0xE3..=0xEF, where
/// [`word_count_up_to`] may count a character as a word), in one pass the
/// compiler vectorizes.
pub fn has_wide_lead(bytes: &[u8]) -> bool {
    // Most short lines are ASCII, which the standard library checks a word
    // at a time.
    if bytes.is_ascii() {
        return false;
    }
    bytes.iter().fold(0u8, |seen, &b| {
        seen | u8::from(b.wrapping_sub(0xE3) <= 0x0C)
    }) != 0
}

/// Newlines and bytes above the space of a block, sixteen bytes at a time
/// with SSE2.
#[cfg(target_arch = "x86_64")]
fn line_block_masks(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        _mm_xor_si128,
    };
    let (mut newline, mut above) = (0u64, 0u64);
    for (lane, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is in the x86-64 baseline, so these intrinsics are
        // always available; the load reads exactly the 16 bytes of `chunk`
        // (unaligned loads are allowed).
        let (newlines, above_space) = unsafe {
            let bytes = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            // Unsigned "above 0x20" as a signed compare: the top bit flipped
            // maps 0x00..=0xFF onto -128..=127 in order.
            let flipped = _mm_xor_si128(bytes, _mm_set1_epi8(0x80_u8 as i8));
            (
                _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\n' as i8))) as u32 as u64,
                _mm_movemask_epi8(_mm_cmpgt_epi8(flipped, _mm_set1_epi8(0xA0_u8 as i8))) as u32
                    as u64,
            )
        };
        let shift = 16 * lane;
        newline |= newlines << shift;
        above |= above_space << shift;
    }
    (newline, above)
}

/// [`line_block_masks`] thirty-two bytes at a time with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn avx2_line_block_masks(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_set1_epi8, _mm256_xor_si256,
    };
    let (mut newline, mut above) = (0u64, 0u64);
    for (half, chunk) in block.chunks_exact(32).enumerate() {
        // SAFETY: the caller runs only where AVX2 is present; the load reads
        // exactly the 32 bytes of `chunk` (unaligned loads are allowed).
        let (newlines, above_space) = unsafe {
            let bytes = _mm256_loadu_si256(chunk.as_ptr().cast::<__m256i>());
            let flipped = _mm256_xor_si256(bytes, _mm256_set1_epi8(0x80_u8 as i8));
            (
                _mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(b'\n' as i8))) as u32
                    as u64,
                _mm256_movemask_epi8(_mm256_cmpgt_epi8(flipped, _mm256_set1_epi8(0xA0_u8 as i8)))
                    as u32 as u64,
            )
        };
        let shift = 32 * half;
        newline |= newlines << shift;
        above |= above_space << shift;
    }
    (newline, above)
}

/// The masks a byte at a time (other architectures; the reference for SIMD).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_line_block_masks(block: &[u8; 64]) -> (u64, u64) {
    let (mut newline, mut above) = (0u64, 0u64);
    for (bit, &byte) in block.iter().enumerate() {
        newline |= u64::from(byte == b'\n') << bit;
        above |= u64::from(byte > b' ') << bit;
    }
    (newline, above)
}

#[cfg(not(target_arch = "x86_64"))]
fn line_block_masks(block: &[u8; 64]) -> (u64, u64) {
    scalar_line_block_masks(block)
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

    /// `token_hashes` against hashing the reference's tokens one by one.
    fn hashes_match_the_reference(text: &str) -> Result<(), TestCaseError> {
        let mut fused = Vec::new();
        Normalizer::new().token_hashes(text, &mut fused);
        let expected: Vec<u64> = reference_tokens(text)
            .iter()
            .map(|token| xxh3_64(token.as_bytes()))
            .collect();
        prop_assert_eq!(fused, expected, "{:?}", text);
        Ok(())
    }

    #[test]
    fn ascii_token_hash_is_xxh3_of_the_lowercased_run() {
        // Every length through the three short-input functions and past them
        // (and past the 64-byte buffer of long runs), in lower case, upper
        // case, digits and mixtures, at every offset of a 200-byte text.
        let alphabet = b"aZ0bY9cX8dW7eV6fU5gT4hS3iR2jQ1kP";
        let text: Vec<u8> = (0..200).map(|i| alphabet[(i * 7 + i / 5) % 32]).collect();
        for len in (1..=40).chain([63, 64, 65, 100]) {
            for start in 0..=text.len() - len {
                let run = &text[start..start + len];
                assert_eq!(
                    ascii_token_hash(run),
                    xxh3_64(&run.to_ascii_lowercase()),
                    "{:?}",
                    std::str::from_utf8(run)
                );
            }
        }
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
    fn every_listed_separator_and_no_other_character_is_one() {
        let listed = |c: char| {
            matches!(c as u32,
                0xA0 | 0xAB | 0xB7 | 0xBB
                | 0x2010..=0x2016 | 0x2018..=0x2027 | 0x2030..=0x203D | 0x203F..=0x205E
                | 0x3000..=0x3003 | 0x3008..=0x3011)
        };
        for c in ('\u{80}'..='\u{FFFF}').chain(['\u{10000}', '\u{1F600}', '\u{10FFFF}']) {
            let text = format!("{c}x");
            let expected = if listed(c) { c.len_utf8() } else { 0 };
            assert_eq!(
                non_ascii_separator_len(text.as_bytes(), 0),
                expected,
                "{c:?}"
            );
            // And each one splits words, exactly as a space does.
            if listed(c) {
                assert_eq!(fast(&format!("ab{c}cd")), fast("ab cd"), "{c:?}");
            }
        }
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
    fn a_letter_mark_after_a_space_is_a_token_without_the_space() {
        for text in ["a   \u{345}", "a,\u{345}b", "a¡\u{345}", "x \u{5b3}y"] {
            let tokens = fast(text);
            assert_eq!(tokens, reference_tokens(text), "{text:?}");
            assert!(
                tokens.iter().all(|token| !token.contains(' ')),
                "{tokens:?}"
            );
        }
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

        /// Past `limit` the count may stop early, but it is exact up to
        /// `limit` and above it exactly when the whole count is: the line
        /// table's decisions depend on nothing else.
        #[test]
        fn a_limited_count_decides_like_the_full_count(
            text in "([ \t]|[a-z]{1,12}|[’“—é]|[王毅]|[가]){0,400}",
            limit in 0usize..60,
        ) {
            let full = rough_word_count(&text);
            let limited = word_count_up_to(&text, limit);
            prop_assert_eq!(limited.min(limit + 1), full.min(limit + 1));
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
            hashes_match_the_reference(&text)?;
        }

        #[test]
        fn runs_across_block_boundaries_match_the_reference(
            text in "([a-zA-Z0-9]{1,90}|[ ,.\\n]{1,3}|[’“é王]){0,12}"
        ) {
            prop_assert_eq!(fast(&text), reference_tokens(&text));
            hashes_match_the_reference(&text)?;
        }

        #[test]
        fn simd_masks_match_the_byte_table(block in proptest::collection::vec(any::<u8>(), 64)) {
            let block: [u8; 64] = block.try_into().expect("64 bytes");
            let (simd, table) = (block_masks(&block), scalar_block_masks(&block));
            prop_assert_eq!((simd.word, simd.upper, simd.high), (table.word, table.upper, table.high));
        }

        #[test]
        fn simd_line_masks_match_the_byte_loop(block in proptest::collection::vec(any::<u8>(), 64)) {
            let block: [u8; 64] = block.try_into().expect("64 bytes");
            prop_assert_eq!(line_block_masks(&block), scalar_line_block_masks(&block));
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                let avx2 = unsafe { avx2_line_block_masks(&block) };
                prop_assert_eq!(avx2, scalar_line_block_masks(&block));
            }
        }

        /// The sweep gives each line's end and its runs of bytes above the
        /// space, which is the line's word count unless it has wide-script
        /// characters. Texts span several blocks, with lines and runs across
        /// block edges.
        #[test]
        fn the_line_sweep_finds_each_line_and_its_runs(
            text in "([ \t\n\x01]|[a-z]{1,12}|[’“—é\u{3000}\u{a0}]|[王毅]|[가]){0,300}",
        ) {
            let bytes = text.as_bytes();
            let mut lines = Vec::new();
            for_each_line(bytes, |end, runs| lines.push((end, runs)));
            let mut expected = Vec::new();
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', bytes).chain([text.len()]) {
                let line = &text[start..end];
                let runs = line.as_bytes().split(|&b| b <= b' ').filter(|run| !run.is_empty()).count();
                if !has_wide_lead(line.as_bytes()) {
                    prop_assert_eq!(runs, word_count_up_to(line, usize::MAX - 1), "{:?}", line);
                }
                expected.push((end, runs));
                start = end + 1;
            }
            prop_assert_eq!(&lines, &expected);
            // The baseline masks, and the byte loop other architectures use,
            // sweep alike where AVX2 ran.
            let mut baseline = Vec::new();
            for_each_line_with(bytes, line_block_masks, |end, runs| baseline.push((end, runs)));
            prop_assert_eq!(&baseline, &expected);
            let mut bytewise = Vec::new();
            for_each_line_with(bytes, scalar_line_block_masks, |end, runs| bytewise.push((end, runs)));
            prop_assert_eq!(&bytewise, &expected);
        }

        #[test]
        fn mixed_scripts_match_the_reference(
            text in "([a-zA-Z0-9 ,.'\"!?-]|[éÉßüÜ]|[\u{301}\u{308}\u{338}\u{345}\u{5b3}\u{618}]|[¡¿]|[王毅访问]|[ぁ-ゔ]|[ァ-ヺ]|[’“”—–…‗‾\u{a0}«»·]|[\u{2010}-\u{2060}]|[\u{3000}-\u{3012}]|[ＡＢ１]|[ﬁﬂ]|[Ωω]|[가-각]){0,40}"
        ) {
            prop_assert_eq!(fast(&text), reference_tokens(&text));
            hashes_match_the_reference(&text)?;
        }
    }
}
