//! An emulation of libstdc++'s `std::unordered_map` iteration order.
//!
//! Pacific's PGMap keeps `pg_stat`, `osd_stat`, `pg_pool_sum`, `num_pg_by_state`, … in
//! `unordered_map`s and dumps them in iteration order, so the stock JSON order depends on
//! libstdc++'s bucket layout (identity hashes, prime bucket counts, insert at bucket begin).
//! This map reproduces that order for the same sequence of inserts and erases.

use std::collections::HashMap;
use std::hash::Hash;

/// The key's `std::hash` value (identity for integers).
pub trait StdHash {
    fn std_hash(&self) -> u64;
}

impl StdHash for i32 {
    fn std_hash(&self) -> u64 {
        *self as i64 as u64
    }
}
impl StdHash for i64 {
    fn std_hash(&self) -> u64 {
        *self as u64
    }
}
impl StdHash for u64 {
    fn std_hash(&self) -> u64 {
        *self
    }
}

const PRIMES: &[u64] = &[
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    103, 109, 113, 127, 137, 139, 149, 157, 167, 179, 193, 199, 211, 227, 241, 257, 277, 293, 313,
    337, 359, 383, 409, 439, 467, 503, 541, 577, 619, 661, 709, 761, 823, 887, 953, 1031, 1109,
    1193, 1289, 1381, 1493, 1613, 1741, 1879, 2029, 2179, 2357, 2549, 2753, 2971, 3209, 3469, 3739,
    4027, 4349, 4703, 5087, 5503, 5953, 6427, 6949, 7517, 8123, 8783, 9497, 10273, 11113, 12011,
    12983, 14033, 15173, 16411, 17749, 19183, 20753, 22447, 24281, 26267, 28411, 30727, 33223,
    35933, 38873, 42043, 45481, 49201, 53201, 57557, 62233, 67307, 72817, 78779, 85229, 92203,
    99733, 107897, 116731, 126271, 136607, 147793, 159871, 172933, 187091, 202409, 218971, 236897,
    256279, 277261, 299951, 324503, 351061, 379787, 410857, 444487, 480881, 520241, 562841, 608903,
    658753, 712697, 771049, 834181, 902483, 976369, 1056323, 1142821, 1236397, 1337629, 1447153,
    1565659, 1693859, 1832561, 1982627, 2144977, 2320627, 2510653, 2716249, 2938679, 3179303,
    3439651, 3721303, 4026031, 4355707, 4712381, 5098259, 5515729, 5967347, 6456007, 6984629,
    7556579, 8175383, 8844859, 9569143, 10352717, 11200489, 12117689, 13109983, 14183539, 15345007,
    16601593, 17961079, 19431899, 21023161, 22744717, 24607243, 26622317, 28802401, 31160981,
    33712729, 36473443, 39460231, 42691603, 46187573, 49969847, 54061849, 58488943, 63278561,
    68460391, 74066549, 80131819, 86693767, 93793069, 101473717,
];

/// `None` = the list head (`_M_before_begin`).
type Before = Option<usize>;

struct Node<K, V> {
    key: K,
    val: V,
    hash: u64,
    next: Option<usize>,
}

/// An insertion-order-faithful model of `std::unordered_map<K, V>` (unique keys).
pub struct StdUMap<K, V> {
    slots: Vec<Option<Node<K, V>>>,
    free: Vec<usize>,
    head: Option<usize>,
    buckets: Vec<Option<Before>>,
    next_resize: u64,
    index: HashMap<K, usize>,
}

impl<K: Clone + Eq + Hash + StdHash, V> Default for StdUMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Clone + Eq + Hash + StdHash, V: Clone> Clone for StdUMap<K, V> {
    fn clone(&self) -> Self {
        // A copy keeps the same order (enough for our uses).
        let mut m = Self::new();
        m.buckets = vec![None; self.buckets.len()];
        m.next_resize = self.next_resize;
        // Re-thread in the same order: build nodes in order then fix buckets.
        let items: Vec<(K, V)> = self.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut prev: Option<usize> = None;
        for (k, v) in items {
            let hash = k.std_hash();
            let idx = m.slots.len();
            m.slots.push(Some(Node {
                key: k.clone(),
                val: v,
                hash,
                next: None,
            }));
            m.index.insert(k, idx);
            match prev {
                None => m.head = Some(idx),
                Some(p) => {
                    if let Some(n) = m.slots[p].as_mut() {
                        n.next = Some(idx);
                    }
                }
            }
            let b = (hash % m.buckets.len() as u64) as usize;
            if m.buckets[b].is_none() {
                m.buckets[b] = Some(prev);
            }
            prev = Some(idx);
        }
        m
    }
}

impl<K: Clone + Eq + Hash + StdHash, V> StdUMap<K, V> {
    pub fn new() -> Self {
        StdUMap {
            slots: Vec::new(),
            free: Vec::new(),
            head: None,
            buckets: vec![None],
            next_resize: 0,
            index: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.index
            .get(k)
            .and_then(|&i| self.slots[i].as_ref())
            .map(|n| &n.val)
    }

    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        match self.index.get(k) {
            Some(&i) => self.slots[i].as_mut().map(|n| &mut n.val),
            None => None,
        }
    }

    pub fn contains_key(&self, k: &K) -> bool {
        self.index.contains_key(k)
    }

    fn node(&self, i: usize) -> &Node<K, V> {
        self.slots[i].as_ref().expect("live node")
    }

    fn node_mut(&mut self, i: usize) -> &mut Node<K, V> {
        self.slots[i].as_mut().expect("live node")
    }

    fn bkt(&self, i: usize) -> usize {
        (self.node(i).hash % self.buckets.len() as u64) as usize
    }

    fn next_of(&self, b: Before) -> Option<usize> {
        match b {
            None => self.head,
            Some(i) => self.node(i).next,
        }
    }

    fn set_next(&mut self, b: Before, to: Option<usize>) {
        match b {
            None => self.head = to,
            Some(i) => self.node_mut(i).next = to,
        }
    }

    fn next_bkt(&mut self, n: u64) -> u64 {
        const FAST: [u64; 14] = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];
        if (n as usize) < FAST.len() {
            if n == 0 {
                return 1;
            }
            self.next_resize = FAST[n as usize];
            return FAST[n as usize];
        }
        let p = PRIMES[6..]
            .iter()
            .copied()
            .find(|&p| p >= n)
            .unwrap_or(*PRIMES.last().unwrap_or(&n));
        self.next_resize = p;
        p
    }

    fn need_rehash(&mut self, n_bkt: u64, n_elt: u64, n_ins: u64) -> Option<u64> {
        if n_elt + n_ins > self.next_resize {
            let min_bkts =
                std::cmp::max(n_elt + n_ins, if self.next_resize != 0 { 0 } else { 11 }) as f64;
            if min_bkts >= n_bkt as f64 {
                let want = std::cmp::max(min_bkts.floor() as u64 + 1, n_bkt * 2);
                return Some(self.next_bkt(want));
            }
            self.next_resize = n_bkt;
            None
        } else {
            None
        }
    }

    fn rehash(&mut self, n: u64) {
        let mut p = self.head;
        self.head = None;
        self.buckets = vec![None; n as usize];
        let mut bbegin_bkt = 0usize;
        while let Some(i) = p {
            let next = self.node(i).next;
            let b = self.bkt(i);
            match self.buckets[b] {
                None => {
                    let h = self.head;
                    self.node_mut(i).next = h;
                    self.head = Some(i);
                    self.buckets[b] = Some(None);
                    if h.is_some() {
                        self.buckets[bbegin_bkt] = Some(Some(i));
                    }
                    bbegin_bkt = b;
                }
                Some(before) => {
                    let nx = self.next_of(before);
                    self.node_mut(i).next = nx;
                    self.set_next(before, Some(i));
                }
            }
            p = next;
        }
    }

    /// `m[k]` (inserting `V::default()` if missing).
    pub fn entry_or_default(&mut self, k: K) -> &mut V
    where
        V: Default,
    {
        if !self.index.contains_key(&k) {
            self.insert_new(k.clone(), V::default());
        }
        self.get_mut(&k).expect("just inserted")
    }

    /// `m.insert({k, v})` if missing, else `m[k] = v` (node keeps its place).
    pub fn insert(&mut self, k: K, v: V) {
        if let Some(slot) = self.get_mut(&k) {
            *slot = v;
        } else {
            self.insert_new(k, v);
        }
    }

    fn insert_new(&mut self, k: K, v: V) {
        if let Some(n) = self.need_rehash(self.buckets.len() as u64, self.len() as u64, 1) {
            self.rehash(n);
        }
        let hash = k.std_hash();
        let node = Node {
            key: k.clone(),
            val: v,
            hash,
            next: None,
        };
        let idx = if let Some(i) = self.free.pop() {
            self.slots[i] = Some(node);
            i
        } else {
            self.slots.push(Some(node));
            self.slots.len() - 1
        };
        self.index.insert(k, idx);
        let b = self.bkt(idx);
        match self.buckets[b] {
            Some(before) => {
                let nx = self.next_of(before);
                self.node_mut(idx).next = nx;
                self.set_next(before, Some(idx));
            }
            None => {
                let h = self.head;
                self.node_mut(idx).next = h;
                self.head = Some(idx);
                if let Some(h) = h {
                    let hb = self.bkt(h);
                    self.buckets[hb] = Some(Some(idx));
                }
                self.buckets[b] = Some(None);
            }
        }
    }

    pub fn remove(&mut self, k: &K) -> Option<V> {
        let idx = self.index.remove(k)?;
        let b = self.bkt(idx);
        // find prev: walk from the bucket's before node
        let mut prev: Before = self.buckets[b].unwrap_or(None);
        while self.next_of(prev) != Some(idx) {
            match self.next_of(prev) {
                Some(n) => prev = Some(n),
                None => return None,
            }
        }
        let next = self.node(idx).next;
        if Some(prev) == self.buckets[b] {
            let next_bkt = next.map(|n| self.bkt(n));
            if next.is_none() || next_bkt != Some(b) {
                if let (Some(_), Some(nb)) = (next, next_bkt) {
                    self.buckets[nb] = self.buckets[b];
                }
                if self.buckets[b] == Some(None) {
                    self.head = next;
                }
                self.buckets[b] = None;
            }
        } else if let Some(n) = next {
            let nb = self.bkt(n);
            if nb != b {
                self.buckets[nb] = Some(prev);
            }
        }
        self.set_next(prev, next);
        let node = self.slots[idx].take().expect("live node");
        self.free.push(idx);
        Some(node.val)
    }

    pub fn clear(&mut self) {
        *self = Self::new();
    }

    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            m: self,
            cur: self.head,
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

pub struct Iter<'a, K, V> {
    m: &'a StdUMap<K, V>,
    cur: Option<usize>,
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        let i = self.cur?;
        let n = self.m.slots[i].as_ref()?;
        self.cur = n.next;
        Some((&n.key, &n.val))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libstdcxx_order() {
        // int keys 0..n inserted in order: 13 buckets then 29: reverse order per bucket pass
        let mut m: StdUMap<i32, ()> = StdUMap::new();
        for k in [0, 1, 2] {
            m.insert(k, ());
        }
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [2, 1, 0]);
        assert_eq!(m.bucket_count(), 13);
        for k in 3..14 {
            m.insert(k, ());
        }
        assert_eq!(m.bucket_count(), 29);
        m.remove(&5);
        m.remove(&13);
        assert_eq!(m.len(), 12);
        let mut keys: Vec<i32> = m.keys().copied().collect();
        keys.sort();
        assert_eq!(keys, [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]);
        // what g++ 12's libstdc++ iterates (checked with a C++ program on this host)
        assert_eq!(
            m.keys().copied().collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]
        );
        let mut n: StdUMap<i32, ()> = StdUMap::new();
        for k in [
            100, 7, 3, 44, 12, 9, 1000, 31, 2, 5, 8, 77, 6, 4, 55, 11, 13, 1, 0,
        ] {
            n.insert(k, ());
        }
        n.remove(&44);
        n.remove(&2);
        n.insert(300, ());
        assert_eq!(
            n.keys().copied().collect::<Vec<_>>(),
            [300, 0, 1, 11, 55, 4, 13, 100, 9, 7, 3, 5, 12, 1000, 77, 31, 8, 6]
        );
        assert_eq!(n.bucket_count(), 29);
        let c = m.clone();
        assert_eq!(c.keys().collect::<Vec<_>>(), m.keys().collect::<Vec<_>>());
    }
}
