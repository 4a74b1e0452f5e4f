# The connection a command uses: the one given with -Connection, else the session's
# (Connect-PhotoSync), else none (PHOTOSYNC_* environment variables only).

function Resolve-PhotoSyncConnection($Connection) {
    if ($null -ne $Connection) { return $Connection }
    return $script:PhotoSyncConnection
}
