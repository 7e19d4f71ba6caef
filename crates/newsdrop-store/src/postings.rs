//! The postings of the SQLite dedup index: index key → the articles holding it, in memory.
//!
//! Laid out as inverted indexes usually are, in two parts:
//! - **merged**: one array of `key << 32 | slot`, sorted, so each key's postings are one run
//!   with the newest (highest slot) last, plus a directory of where each range of keys starts.
//!   8 bytes a posting and about one more for the directory, with no load factor;
//! - **recent**: what was added since the last merge, as a chain per key (newest first) under
//!   a small open-addressing map of keys. It is merged in once it holds an eighth of the
//!   merged part (at least [`MIN_RECENT`]), so a posting is copied about nine times in all,
//!   and the merge works in place (no second copy of the array).
//!
//! **A key keeps its newest [`PER_KEY`] postings**, and a walk gives only those. A passage
//! many articles share (a quoted statement, a publisher's standing paragraph) would
//! otherwise make every look-up walk every article that ever held it, so the work per
//! article would grow with the index. The older postings are dropped lazily: a recent chain
//! is cut back when it reaches twice that, and a merge keeps each key's newest. A copy of
//! an older article is still found through the keys that are the story's own (the
//! passages only it and its copies hold), and its share of keys is judged against all of
//! its keys, as in an index that forgets nothing (the PostgreSQL one). Counting only the
//! keys it could still be found by, as this index once did, more than doubled the
//! candidates verified at 1,000,000 articles and found no more copies, only false ones.
//!
//! The walk per look-up is bounded by keys × `PER_KEY`, whatever the size of the index.

use newsdrop_core::id::mix64;

/// Postings a key keeps: its newest. Far above what a key of one story has (its copies),
/// far below the number of articles a common passage reaches in a large index.
pub const PER_KEY: usize = 64;

/// The recent part is merged in when it holds this many postings, or an eighth of the
/// merged part if that is more.
pub const MIN_RECENT: usize = 1 << 16;

/// No posting (end of a chain; an empty map cell).
const NONE: u32 = u32::MAX;

/// Directory buckets per merged posting, as a power of two: about four postings a bucket.
const POSTINGS_PER_BUCKET_LOG2: u32 = 2;

#[derive(Default)]
pub struct Postings {
    /// `key << 32 | slot`, sorted; at most [`PER_KEY`] per key.
    merged: Vec<u64>,
    /// `dir[b]..dir[b + 1]` is the range of `merged` whose keys have `key >> shift == b`.
    dir: Vec<u32>,
    shift: u32,
    /// Recent keys: `(key, newest posting in chain, postings in its chain)`, open
    /// addressing, power-of-two size.
    heads: Vec<(u32, u32, u32)>,
    heads_len: usize,
    /// Recent postings: `(slot, previous posting of the same key or NONE)`.
    chain: Vec<(u32, u32)>,
    /// Postings loaded ([`Self::load`]) and not merged yet.
    loading: Vec<u64>,
    /// Per article slot: its keys and a look-up's count of shared ones (side by side: a
    /// look-up counts and reads them for every article it meets).
    counts: Vec<KeyCounts>,
}

impl Postings {
    /// Adds the postings of a new article: `slot` must be the next one (slots are dense and
    /// given in order), `keys` without repeats.
    pub fn insert(&mut self, slot: u32, keys: &[u32]) {
        debug_assert_eq!(slot as usize, self.counts.len(), "slots are given in order");
        self.counts.push(KeyCounts::new(keys.len()));
        for &key in keys {
            let cell = self.head_cell(key);
            let (prev, len) = match self.heads[cell] {
                (_, NONE, _) => {
                    self.heads_len += 1;
                    (NONE, 0)
                }
                (_, head, len) => (head, len),
            };
            self.heads[cell] = (key, self.chain.len() as u32, len + 1);
            self.chain.push((slot, prev));
            if len + 1 >= 2 * PER_KEY as u32 {
                self.cut_chain(cell);
            }
        }
        if self.chain.len() >= MIN_RECENT.max(self.merged.len() / 8) {
            self.merge();
        }
    }

    /// Adds an article's postings as [`Self::insert`] does, for loading a whole index into
    /// an empty one: they are gathered, then sorted and merged in a large batch at a time
    /// (rather than chained, cut and merged an article at a time), so a key's older postings
    /// are dropped as the load goes and it never holds them all at once.
    /// [`Self::finish_load`] merges the last batch.
    pub fn load(&mut self, slot: u32, keys: &[u32]) {
        debug_assert_eq!(slot as usize, self.counts.len(), "slots are given in order");
        debug_assert!(self.chain.is_empty(), "loading is into an empty index");
        self.counts.push(KeyCounts::new(keys.len()));
        self.loading.extend(
            keys.iter()
                .map(|&key| u64::from(key) << 32 | u64::from(slot)),
        );
        if self.loading.len() >= MIN_RECENT.max(self.merged.len() / 2) {
            self.merge_loaded();
        }
    }

    /// Ends a load ([`Self::load`]): merges the last batch, gives back the spare room and
    /// builds the directory.
    pub fn finish_load(&mut self) {
        self.merge_loaded();
        self.loading = Vec::new();
        self.merged.shrink_to_fit();
        self.build_dir();
    }

    fn merge_loaded(&mut self) {
        let mut batch = std::mem::take(&mut self.loading);
        batch.sort_unstable();
        self.merge_in(&batch);
        batch.clear();
        self.loading = batch;
    }

    /// Appends to `out` the newest [`PER_KEY`] articles holding each of `keys` (the recent
    /// ones, then the newest merged ones): an article once for every key it shares, in no
    /// set order.
    ///
    /// What a look-up costs is the memory it waits for: a map cell, a directory entry, the
    /// start of a bucket and every step of a chain, each at random in a large index. The
    /// keys' look-ups do not depend on each other, so they are done side by side, in rounds
    /// whose reads only store what they load (no branch waits on one), so that the
    /// processor has all of a round's reads under way at once: every key's home cell and
    /// directory entries; then its chain's first posting and its bucket's start; then the
    /// chains a step of each at a time; then the merged runs.
    pub fn walk(&self, keys: &[u32], out: &mut Vec<u32>) {
        struct Cursor {
            key: u32,
            /// The key's home cell in the map of recent keys, as read.
            home: (u32, u32, u32),
            /// Where the key's recent chain goes on (`NONE` at its end) and the posting
            /// there, read a round ahead of its use.
            at: u32,
            next: (u32, u32),
            /// Postings the key may still give.
            left: usize,
            /// The key's directory bucket in `merged`, and the posting it starts with.
            bucket: std::ops::Range<usize>,
            first: u64,
        }
        let mask = self.heads.len().wrapping_sub(1);
        let home_of = |key: u32| (mix64(u64::from(key)) as usize) & mask;
        let mut cursors: Vec<Cursor> = keys
            .iter()
            .map(|&key| Cursor {
                key,
                home: self
                    .heads
                    .get(home_of(key))
                    .copied()
                    .unwrap_or((0, NONE, 0)),
                at: NONE,
                next: (0, NONE),
                left: PER_KEY,
                bucket: self.bucket(key),
                first: 0,
            })
            .collect();
        for c in &mut cursors {
            c.at = match c.home {
                (_, NONE, _) => NONE,
                (key, head, _) if key == c.key => head,
                _ => self.heads[self.find_cell(c.key)].1,
            };
            c.next = self.chain.get(c.at as usize).copied().unwrap_or((0, NONE));
            c.first = self.merged.get(c.bucket.start).copied().unwrap_or(0);
        }
        let mut walking = true;
        while walking {
            walking = false;
            for c in cursors.iter_mut().filter(|c| c.at != NONE && c.left > 0) {
                let (slot, prev) = c.next;
                out.push(slot);
                c.at = prev;
                c.next = self.chain.get(prev as usize).copied().unwrap_or((0, NONE));
                c.left -= 1;
                walking = true;
            }
        }
        cursors.retain(|c| c.left > 0 && !c.bucket.is_empty());
        for c in &cursors {
            // The key's run is found by a scan from the start of its bucket (a few postings
            // of other keys on average) rather than a binary search: the scan reads on in
            // the order the run is then read, where a search's jumps each wait for memory.
            let bucket = &self.merged[c.bucket.clone()];
            let start = if (c.first >> 32) as u32 >= c.key {
                0
            } else {
                bucket
                    .iter()
                    .position(|&p| (p >> 32) as u32 >= c.key)
                    .unwrap_or(bucket.len())
            };
            let len = bucket[start..]
                .iter()
                .take_while(|&&p| (p >> 32) as u32 == c.key)
                .count();
            let newest = &bucket[start + len.saturating_sub(c.left)..start + len];
            out.extend(newest.iter().map(|&p| p as u32));
        }
    }

    /// Calls `f` once for every article holding one of `keys` (as [`Self::walk`] gives
    /// them) that `live` accepts, with its counts: `shared` is how many of `keys` it holds.
    /// Articles come in the order first met; `walked` is scratch room.
    ///
    /// A look-up meets thousands of postings (every key of a passage many articles share
    /// has [`PER_KEY`]), so the count is an increment beside the article's other counts,
    /// which the caller reads next: one place in memory per article met, where a hash map
    /// would probe and a separate array would be a second place to wait for.
    pub fn count_shared(
        &mut self,
        keys: &[u32],
        live: impl Fn(u32) -> bool,
        walked: &mut Vec<u32>,
        mut f: impl FnMut(u32, KeyCounts),
    ) {
        walked.clear();
        self.walk(keys, walked);
        walked.retain(|&slot| live(slot));
        for &slot in walked.iter() {
            let c = &mut self.counts[slot as usize];
            c.shared = c.shared.saturating_add(1);
        }
        for &slot in walked.iter() {
            let c = &mut self.counts[slot as usize];
            if c.shared > 0 {
                f(slot, *c);
                c.shared = 0;
            }
        }
    }

    /// Cuts the chain of the key in `cell` back to its newest [`PER_KEY`] postings: the
    /// older ones are forgotten as a merge would (amortised: a chain is cut when it
    /// reaches twice that).
    fn cut_chain(&mut self, cell: usize) {
        let mut i = self.heads[cell].1;
        for _ in 1..PER_KEY {
            i = self.chain[i as usize].1;
        }
        self.chain[i as usize].1 = NONE;
        self.heads[cell].2 = PER_KEY as u32;
    }

    /// Keys the article in `slot` was indexed under.
    pub fn keys(&self, slot: u32) -> u32 {
        u32::from(self.counts[slot as usize].keys)
    }

    /// Bytes of memory held (tables, not allocator overhead).
    pub fn bytes(&self) -> usize {
        self.merged.capacity() * 8
            + self.dir.capacity() * 4
            + self.heads.capacity() * 12
            + self.chain.capacity() * 8
            + self.loading.capacity() * 8
            + self.counts.capacity() * std::mem::size_of::<KeyCounts>()
    }

    /// The range of `merged` whose keys share `key`'s directory bucket.
    fn bucket(&self, key: u32) -> std::ops::Range<usize> {
        if self.merged.is_empty() {
            return 0..0;
        }
        let b = (u64::from(key) >> self.shift) as usize;
        self.dir[b] as usize..self.dir[b + 1] as usize
    }

    /// The map cell holding `key`, or the empty one where it would go.
    fn find_cell(&self, key: u32) -> usize {
        let mask = self.heads.len() - 1;
        let mut i = (mix64(u64::from(key)) as usize) & mask;
        while self.heads[i].1 != NONE && self.heads[i].0 != key {
            i = (i + 1) & mask;
        }
        i
    }

    /// [`Self::find_cell`], growing the map first if one more key would load it over 70%.
    fn head_cell(&mut self, key: u32) -> usize {
        if (self.heads_len + 1) * 10 > self.heads.len() * 7 {
            let cap = (self.heads.len() * 2).max(1024);
            let old = std::mem::replace(&mut self.heads, vec![(0, NONE, 0); cap]);
            for (k, head, len) in old {
                if head != NONE {
                    let cell = self.find_cell(k);
                    self.heads[cell] = (k, head, len);
                }
            }
        }
        self.find_cell(key)
    }

    /// Moves the recent postings into the merged array, keeping each key's newest
    /// [`PER_KEY`], and rebuilds the directory.
    fn merge(&mut self) {
        let mut fresh: Vec<u64> = Vec::with_capacity(self.chain.len());
        for &(key, head, _) in &self.heads {
            let mut i = head;
            while i != NONE {
                let (slot, prev) = self.chain[i as usize];
                fresh.push(u64::from(key) << 32 | u64::from(slot));
                i = prev;
            }
        }
        fresh.sort_unstable();
        self.heads.iter_mut().for_each(|cell| *cell = (0, NONE, 0));
        self.heads_len = 0;
        self.chain.clear();
        self.merge_in(&fresh);
        drop(fresh);
        self.build_dir();
    }

    /// Merges sorted postings, all newer than the merged ones, into the merged part (not
    /// its directory), keeping each key's newest [`PER_KEY`].
    fn merge_in(&mut self, fresh: &[u64]) {
        // Merge from the back, in place: merged grows by fresh.len() and is filled from its
        // end. It grows by what it needs, not by doubling: it is most of the index's memory.
        let (m, f) = (self.merged.len(), fresh.len());
        self.merged.reserve_exact(f);
        self.merged.resize(m + f, 0);
        let (mut i, mut j) = (m, f);
        for k in (0..m + f).rev() {
            if j == 0 {
                break;
            }
            if i > 0 && self.merged[i - 1] > fresh[j - 1] {
                self.merged[k] = self.merged[i - 1];
                i -= 1;
            } else {
                self.merged[k] = fresh[j - 1];
                j -= 1;
            }
        }
        self.keep_newest();
    }

    /// Drops all but the last [`PER_KEY`] postings of each key's run, in place.
    fn keep_newest(&mut self) {
        let v = &mut self.merged;
        let (mut write, mut start) = (0, 0);
        while start < v.len() {
            let key = v[start] >> 32;
            let mut end = start + 1;
            while end < v.len() && v[end] >> 32 == key {
                end += 1;
            }
            let keep = end.saturating_sub(PER_KEY).max(start);
            if keep != write {
                v.copy_within(keep..end, write);
            }
            write += end - keep;
            start = end;
        }
        v.truncate(write);
    }

    fn build_dir(&mut self) {
        let want = (self.merged.len() >> POSTINGS_PER_BUCKET_LOG2).max(1);
        let bits = want.next_power_of_two().trailing_zeros().min(32);
        self.shift = 32 - bits;
        let buckets = 1usize << bits;
        self.dir.clear();
        self.dir.reserve_exact(buckets + 1);
        let mut at = 0usize;
        for b in 0..buckets {
            while at < self.merged.len() && ((self.merged[at] >> 32 >> self.shift) as usize) < b {
                at += 1;
            }
            self.dir.push(at as u32);
        }
        self.dir.push(self.merged.len() as u32);
    }
}

/// An article's keys and, during a look-up, those it shares with the article looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCounts {
    pub keys: u16,
    pub shared: u16,
}

impl KeyCounts {
    fn new(keys: usize) -> Self {
        KeyCounts {
            keys: saturate(keys),
            shared: 0,
        }
    }
}

fn saturate(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The articles holding `key`, newest first.
    fn walk(p: &Postings, key: u32) -> Vec<u32> {
        let mut out = Vec::new();
        p.walk(&[key], &mut out);
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    }

    #[test]
    fn finds_every_posting_before_and_after_merges() {
        let mut p = Postings::default();
        // Enough postings for a merge and some recent ones after it: a key of each article's
        // own, and key 5 held by every ten-thousandth article (fewer than PER_KEY).
        let n = 100_000u32;
        for slot in 0..n {
            let mut keys = vec![1_000_000 + slot * 7];
            if slot % 10_000 == 0 {
                keys.push(5);
            }
            p.insert(slot, &keys);
        }
        assert!(!p.merged.is_empty(), "the test must cover merged postings");
        assert!(!p.chain.is_empty(), "and recent ones");
        for slot in [0, 1, 17_000, n - 1] {
            assert_eq!(walk(&p, 1_000_000 + slot * 7), vec![slot]);
        }
        assert_eq!(walk(&p, 3), Vec::<u32>::new());
        let want: Vec<u32> = (0..n).rev().filter(|s| s % 10_000 == 0).collect();
        assert_eq!(walk(&p, 5), want, "newest first, across both parts");
        assert_eq!(p.counts.len(), n as usize);
    }

    #[test]
    fn a_common_key_keeps_its_newest_postings() {
        let mut p = Postings::default();
        let n = (MIN_RECENT * 2) as u32;
        for slot in 0..n {
            p.insert(slot, &[7, 100 + slot]);
        }
        p.merge();
        let got = walk(&p, 7);
        let want: Vec<u32> = (n - PER_KEY as u32..n).rev().collect();
        assert_eq!(got, want, "the newest PER_KEY, newest first");
        assert_eq!(walk(&p, 100), vec![0], "an article's own key survives");
        assert_eq!(p.keys(0), 2, "an article's key count is of all its keys");
    }

    #[test]
    fn a_walk_gives_the_newest_postings_before_and_after_a_merge() {
        let mut p = Postings::default();
        let n = PER_KEY as u32 * 5 + 3;
        for slot in 0..n {
            p.insert(slot, &[9, 100 + slot]);
        }
        assert!(p.merged.is_empty(), "no merge yet");
        let newest: Vec<u32> = (n - PER_KEY as u32..n).rev().collect();
        assert_eq!(walk(&p, 9), newest, "the newest PER_KEY, newest first");
        let mut chained = 0;
        let mut i = p.heads[p.find_cell(9)].1;
        while i != NONE {
            chained += 1;
            i = p.chain[i as usize].1;
        }
        assert!(chained < 2 * PER_KEY, "the chain was cut back as it grew");
        p.merge();
        assert_eq!(walk(&p, 9), newest, "the merge keeps the same newest");
        assert_eq!(p.merged.len(), PER_KEY + n as usize, "and drops the rest");
    }

    #[test]
    fn a_walk_takes_the_newest_from_the_recent_part_then_the_merged_one() {
        let mut p = Postings::default();
        let n = MIN_RECENT as u32 + 40;
        for slot in 0..n {
            let keys: &[u32] = if slot < 100 || slot >= n - 20 {
                &[5, 1_000_000 + slot]
            } else {
                &[1_000_000 + slot]
            };
            p.insert(slot, keys);
        }
        assert!(
            !p.merged.is_empty() && !p.chain.is_empty(),
            "both parts hold postings"
        );
        let mut want: Vec<u32> = (n - 20..n).rev().collect();
        want.extend((100 - (PER_KEY as u32 - 20)..100).rev());
        assert_eq!(walk(&p, 5), want);
    }

    #[test]
    fn a_loaded_index_walks_as_an_inserted_one() {
        let (mut inserted, mut loaded) = (Postings::default(), Postings::default());
        // Over 100,000 postings: the load merges more than one batch.
        let n = 50_000u32;
        let keys_of = |slot: u32| {
            let mut keys = vec![1_000_000 + slot, slot % 97];
            if slot.is_multiple_of(1_000) {
                keys.push(7_000_000);
            }
            keys
        };
        for slot in 0..n {
            inserted.insert(slot, &keys_of(slot));
            loaded.load(slot, &keys_of(slot));
        }
        inserted.merge();
        loaded.finish_load();
        for key in [1_000_000, 1_000_000 + n - 1, 3, 96, 7_000_000, 98] {
            assert_eq!(walk(&loaded, key), walk(&inserted, key), "key {key}");
        }
        assert_eq!(
            walk(&loaded, 3).len(),
            PER_KEY,
            "a common key keeps its newest"
        );
        assert_eq!(walk(&loaded, 7_000_000).len(), 50, "a rarer one keeps all");
        assert_eq!(loaded.counts, inserted.counts);
        // And it takes new articles after the load.
        loaded.insert(n, &[7_000_000]);
        assert_eq!(walk(&loaded, 7_000_000)[0], n);
    }

    #[test]
    fn shared_keys_are_counted_per_live_article_and_start_from_zero_next_time() {
        let mut p = Postings::default();
        p.insert(0, &[1, 2, 3]);
        p.insert(1, &[2, 3]);
        p.insert(2, &[3, 4]);
        p.merge();
        p.insert(3, &[1, 3]);
        let mut walked = Vec::new();
        let mut met = Vec::new();
        p.count_shared(
            &[1, 2, 3, 9],
            |_| true,
            &mut walked,
            |slot, c| {
                met.push((slot, c.shared, c.keys));
            },
        );
        met.sort_unstable();
        assert_eq!(met, vec![(0, 3, 3), (1, 2, 2), (2, 1, 2), (3, 2, 2)]);
        let mut again = Vec::new();
        p.count_shared(
            &[4],
            |slot| slot != 0,
            &mut walked,
            |slot, c| {
                again.push((slot, c.shared));
            },
        );
        assert_eq!(again, vec![(2, 1)], "counts start from zero");
        let mut dead = Vec::new();
        p.count_shared(
            &[1],
            |slot| slot == 3,
            &mut walked,
            |slot, c| {
                dead.push((slot, c.shared));
            },
        );
        assert_eq!(dead, vec![(3, 1)], "articles `live` refuses are not met");
    }

    #[test]
    fn keys_at_the_ends_of_the_range_are_found() {
        let mut p = Postings::default();
        p.insert(0, &[0, u32::MAX, u32::MAX - 1]);
        p.insert(1, &[u32::MAX]);
        p.merge();
        assert_eq!(walk(&p, 0), vec![0]);
        assert_eq!(walk(&p, u32::MAX), vec![1, 0]);
        assert_eq!(walk(&p, u32::MAX - 1), vec![0]);
        assert_eq!(walk(&p, 1), Vec::<u32>::new());
    }
}
