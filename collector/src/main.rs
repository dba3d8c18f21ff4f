//! The `accord-collector` command: reads the command line and runs the collector.

use accord_collector::settings::Args;

fn main() {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("accord-collector: {message}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("accord-collector: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(message) = runtime.block_on(accord_collector::run(args)) {
        eprintln!("accord-collector: {message}");
        std::process::exit(1);
    }
}
