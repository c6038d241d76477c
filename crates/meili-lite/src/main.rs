fn main() -> std::process::ExitCode {
    meili_lite::main()
}
