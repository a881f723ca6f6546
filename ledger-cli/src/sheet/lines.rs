//! CSV record line numbers (shared by the table reader and the controls import).

/// Line numbers of records, from their byte offsets.
///
/// The csv crate ends a record at the `\r` of a `\r\n` and counts the `\n`
/// in the next record's position, so with Windows line ends (what Excel's
/// "CSV UTF-8" writes) `Position::line` named the line above each row (fuzz
/// target `fuzz_csv_rows`). Here a line ends at `\n`, `\r\n` or a lone `\r`,
/// and a record's line is that of its first character.
pub struct Lines<'a> {
    bytes: &'a [u8],
    /// Bytes before this offset are counted…
    at: usize,
    /// …into this line number.
    line: u64,
}

impl<'a> Lines<'a> {
    pub fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines { bytes, at: 0, line: 1 }
    }

    /// The line of the record that starts at `byte` (records come in order).
    pub fn line_of(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.at {
            (self.at, self.line) = (0, 1);
        }
        for i in self.at..start {
            let breaks = match self.bytes[i] {
                b'\n' => true,
                b'\r' => self.bytes.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            self.line += u64::from(breaks);
        }
        self.at = start;
        self.line
    }
}
