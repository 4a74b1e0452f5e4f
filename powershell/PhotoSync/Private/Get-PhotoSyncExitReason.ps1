# What an exit code outside photosync's documented ones (docs/cli.md) says happened, in words
# for the terminating PhotoSync.core-failed error.

function Get-PhotoSyncExitReason([int]$ExitCode) {
    switch ($ExitCode) {
        74 { return 'could not write its results (a full disk or an I/O error)' }
        101 { return 'panicked' }
        130 { return 'was interrupted (SIGINT)' }
        137 { return 'was killed (SIGKILL; out of memory?)' }
        139 { return 'crashed (SIGSEGV)' }
        141 { return 'lost its output (SIGPIPE)' }
        143 { return 'was terminated (SIGTERM)' }
    }
    return 'ended abnormally'
}
