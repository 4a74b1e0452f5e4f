# Answers the token requests the core has made of the broker so far (never waits for one): reads
# the request line and headers, checks the run's secret header, and writes the token or error.

function Invoke-PhotoSyncTokenBroker($Broker) {
    while ($Broker.Accept -and $Broker.Accept.IsCompleted) {
        if ($Broker.Accept.Status -ne 'RanToCompletion') { $Broker.Accept = $null; return }
        $client = $Broker.Accept.Result
        $Broker.Accept = $Broker.Listener.AcceptTcpClientAsync()
        try {
            $client.ReceiveTimeout = 10000
            $stream = $client.GetStream()
            $buffer = New-Object -TypeName byte[] -ArgumentList 16384
            $length = 0
            $head = ''
            while ($length -lt $buffer.Length) {
                $count = $stream.Read($buffer, $length, $buffer.Length - $length)
                if ($count -le 0) { break }
                $length += $count
                $head = [System.Text.Encoding]::ASCII.GetString($buffer, 0, $length)
                if ($head.Contains("`r`n`r`n")) { break }
            }
            $lines = $head.Split([string[]]@("`r`n"), [System.StringSplitOptions]::None)
            $secret = $null
            foreach ($line in $lines) {
                if ($line -match '^x-identity-header:\s*(.+)$') { $secret = $Matches[1].Trim() }
            }
            $resource = $null
            if ($lines[0] -match '^GET \S*[?&]resource=([^& ]+)') { $resource = [System.Uri]::UnescapeDataString($Matches[1]) }
            if ($secret -ne $Broker.Secret) {
                $answer = @{ Status = 401; Body = '{"error":"unauthorized","error_description":"wrong or missing X-IDENTITY-HEADER"}' }
            }
            elseif (-not $resource) {
                $answer = @{ Status = 400; Body = '{"error":"invalid_request","error_description":"no resource"}' }
            }
            else {
                $answer = Request-PhotoSyncBrokerToken -Broker $Broker -Resource $resource
            }
            $body = [System.Text.Encoding]::UTF8.GetBytes($answer.Body)
            $reason = if ($answer.Status -eq 200) { 'OK' } else { 'Error' }
            $header = [System.Text.Encoding]::ASCII.GetBytes("HTTP/1.1 $($answer.Status) $reason`r`nContent-Type: application/json`r`nContent-Length: $($body.Length)`r`nConnection: close`r`n`r`n")
            $stream.Write($header, 0, $header.Length)
            $stream.Write($body, 0, $body.Length)
            $stream.Flush()
        }
        catch { $null = $_ }
        finally { $client.Close() }
    }
}
