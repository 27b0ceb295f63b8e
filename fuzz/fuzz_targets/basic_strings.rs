//! The basic scenario's string functions over arbitrary text, against models: `reverse` is
//! `chars().rev()` (and its own inverse); `count_vowels` counts `aeiouAEIOU`; `word_count`
//! is the number of runs between Python's whitespace (Unicode White_Space, which std's
//! `char::is_whitespace` is, plus U+001C..U+001F); `to_upper` and `is_palindrome` are exact
//! against std on ASCII text and, on any text, never panic and keep the law that holds
//! whatever the Unicode tables say (upper case maps each character on its own).
#![no_main]

use ffibench_core::basic;
use libfuzzer_sys::fuzz_target;

fn python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fuzz_target!(|text: &str| {
    let reversed = basic::reverse(text);
    assert_eq!(reversed, text.chars().rev().collect::<String>());
    assert_eq!(basic::reverse(&reversed), text);

    let vowels = text.chars().filter(|c| "aeiouAEIOU".contains(*c)).count();
    assert_eq!(basic::count_vowels(text), vowels);

    let mut words = 0;
    let mut inside = false;
    for c in text.chars() {
        if python_space(c) {
            inside = false;
        } else if !inside {
            inside = true;
            words += 1;
        }
    }
    assert_eq!(basic::word_count(text), words);

    let upper = basic::to_upper(text);
    if text.is_ascii() {
        assert_eq!(upper, text.to_ascii_uppercase());
        let letters: Vec<char> = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let model = letters.iter().eq(letters.iter().rev());
        assert_eq!(basic::is_palindrome(text), model, "{text:?}");
    }
    // Python's upper case has no context rules: each character maps on its own, so the
    // text's is the characters' end to end (the ASCII fast path agrees with the tables).
    let by_char: String = text
        .chars()
        .map(|c| basic::to_upper(c.encode_utf8(&mut [0; 4])))
        .collect();
    assert_eq!(upper, by_char, "{text:?}");
    // A palindrome char for char folds to a palindrome as long as every folding is one
    // character long or a palindrome itself, which is not known here; the char-for-char
    // mirror of an ASCII text always is.
    if text.is_ascii() {
        let mirror = format!("{text}{reversed}");
        assert!(basic::is_palindrome(&mirror), "{mirror:?}");
    }
    let _ = basic::is_palindrome(text);
});
