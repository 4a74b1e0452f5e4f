# Stops listening and forgets the tokens the broker got for a run.

function Stop-PhotoSyncTokenBroker($Broker) {
    if ($null -eq $Broker) { return }
    try { $Broker.Listener.Stop() } catch { $null = $_ }
    $Broker.Http.Dispose()
    $Broker.Tokens.Clear()
    $Broker.Accept = $null
}
