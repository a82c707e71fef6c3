//! log-counter: the example handler that counts records, by tag.
//!
//! The Handler API it implements arrives with the Main issue; until then this
//! package exists so that configs (like config.example.yml) can name it.

fn main() {
    eprintln!("log-counter: the slips Handler runtime is not built yet (see the Main issue)");
    std::process::exit(2);
}
