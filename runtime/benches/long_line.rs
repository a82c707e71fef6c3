//! One long line read as `s3-lines` next to the same bytes read as
//! `s3-text`, in the same run: cutting lines must cost about what reading
//! the bytes costs (it was quadratic: every read rescanned the whole block).
//!
//! `cargo bench -p slips --bench long_line [-- MB]` (default 100 MB). Prints
//! the median of 5 runs of each and their ratio.

use std::io::Cursor;
use std::time::{Duration, Instant};

use slips::object::{Blocks, Cut};

fn read(data: &[u8], whole: bool, runtime: &tokio::runtime::Runtime) -> Duration {
    let started = Instant::now();
    runtime.block_on(async {
        let cut = if whole { Cut::Whole } else { Cut::Lines };
        let mut blocks = Blocks::spawn(Box::new(Cursor::new(data.to_vec())), cut).expect("spawn");
        let mut bytes = 0;
        while let Some(block) = blocks.next().await {
            bytes += block.expect("a block").bytes.len();
        }
        assert_eq!(bytes, data.len());
    });
    started.elapsed()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let mb: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let mut data = vec![b'x'; mb << 20];
    data.push(b'\n');
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let text = median((0..5).map(|_| read(&data, true, &runtime)).collect());
    let lines = median((0..5).map(|_| read(&data, false, &runtime)).collect());
    println!("one {mb} MB line, median of 5:");
    println!("  s3-text   {:>8.1} ms", text.as_secs_f64() * 1e3);
    println!("  s3-lines  {:>8.1} ms", lines.as_secs_f64() * 1e3);
    println!(
        "  ratio     {:>8.2}x",
        lines.as_secs_f64() / text.as_secs_f64()
    );
}
