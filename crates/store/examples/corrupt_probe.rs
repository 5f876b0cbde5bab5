use std::io::{Seek, SeekFrom, Write};
use computefi_store::{Store, WriteSet};
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.redb");
    {
        let store = Store::open(&base).unwrap();
        for v in 0..4u32 {
            let set: WriteSet = (0..300u32).map(|i| (format!("acct/{:05}", i * 7 + v).into_bytes(), Some(vec![(i % 251) as u8; 120]))).collect();
            let rec = (v > 0).then(|| computefi_store::BlockRecord{height: v as u64, block_hash: [v as u8;32], block_bytes: vec![1;10], certificate: vec![], receipts: vec![]});
            store.commit(v as u64, &set, rec.as_ref()).unwrap();
        }
    }
    let len = std::fs::metadata(&base).unwrap().len();
    println!("file len {len} pages {}", len / 4096);
    let mut ok = 0; let mut errs = std::collections::BTreeMap::new();
    for page in 0..len / 4096 {
        let p = dir.path().join("probe.redb");
        std::fs::copy(&base, &p).unwrap();
        let mut f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        f.seek(SeekFrom::Start(page * 4096 + 512)).unwrap();
        f.write_all(&[0xA5; 256]).unwrap();
        drop(f);
        let r = std::panic::catch_unwind(|| Store::open(&p).map(|_| ()));
        match r {
            Err(_) => { println!("PANIC at page {page}"); }
            Ok(Ok(())) => { ok += 1; }
            Ok(Err(e)) => { let s = format!("{:?}", std::mem::discriminant(&e)); *errs.entry(format!("{}", e).chars().take(90).collect::<String>()).or_insert(0) += 1; let _ = s; }
        }
    }
    println!("opened fine: {ok}");
    for (e, n) in errs { println!("{n}: {e}"); }
}
