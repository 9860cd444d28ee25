//! `nas`: the command-line interface on the same core as the playground page.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

// The page is the browser's entry point; this binary is native only.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use clap::{Parser, Subcommand};
    use nas_playground::engine::detect_engine;
    use std::process::ExitCode;

    /// Neural architecture search on WebGPU or the CPU: the playground's engine, from a terminal.
    #[derive(Parser)]
    #[command(name = "nas", version, about, long_about = None)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Show which engine this machine would train on: the GPU adapter, or the CPU and why.
        Engine {
            /// Print the report as JSON.
            #[arg(long)]
            json: bool,
        },
    }

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        match cli.command {
            Command::Engine { json } => {
                let (report, _context) = pollster::block_on(detect_engine());
                if json {
                    println!("{}", serde_json::to_string_pretty(&report).expect("a report always serialises"));
                } else {
                    println!("{}", nas_playground::version_line());
                    println!("engine: {}", report.headline());
                }
                ExitCode::SUCCESS
            }
        }
    }
}
