fn main() {
    eprintln!("photosync-emulator: not built yet");
    std::process::exit(2);
}
