# A token for one resource for the broker: the cached one while it has more than five minutes to
# live, else one redeemed with a fresh client assertion. Returns @{ Status; Body }: the HTTP answer
# the broker gives the core (App Service managed identity format, or the identity platform's
# error). Tasks are waited on without .Result on a failure, so nothing is thrown.

function Request-PhotoSyncBrokerToken($Broker, [string]$Resource) {
    $now = [System.DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $cached = $Broker.Tokens[$Resource]
    if ($cached -and $cached.ExpiresOn -gt $now + 300) { return @{ Status = 200; Body = $cached.Body } }

    $assertion = New-PhotoSyncClientAssertion -Certificate $Broker.Certificate -Audience $Broker.TokenUrl -ClientId $Broker.ClientId
    $form = New-Object -TypeName 'System.Collections.Generic.Dictionary[string,string]'
    $form['client_id'] = $Broker.ClientId
    $form['scope'] = $Resource.TrimEnd('/') + '/.default'
    $form['client_assertion_type'] = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    $form['client_assertion'] = $assertion
    $form['grant_type'] = 'client_credentials'
    $content = New-Object -TypeName System.Net.Http.FormUrlEncodedContent -ArgumentList (, $form)
    $post = $Broker.Http.PostAsync($Broker.TokenUrl, $content)
    [void][System.Threading.Tasks.Task]::WaitAny([System.Threading.Tasks.Task[]]@($post), 100000)
    if ($post.Status -ne 'RanToCompletion') {
        $why = if ($post.Exception) { $post.Exception.GetBaseException().Message } else { 'no answer within 100 s' }
        return @{ Status = 502; Body = '{"error":"temporarily_unavailable","error_description":' + (ConvertTo-PhotoSyncJsonString -Text "the module could not reach $($Broker.TokenUrl): $why") + '}' }
    }
    $response = $post.Result
    $read = $response.Content.ReadAsStringAsync()
    [void][System.Threading.Tasks.Task]::WaitAny([System.Threading.Tasks.Task[]]@($read), 100000)
    $text = if ($read.Status -eq 'RanToCompletion') { $read.Result } else { '' }
    $status = [int]$response.StatusCode
    $response.Dispose()
    if ($status -ne 200) {
        # The identity platform's own error (AADSTS...) reaches the core, which explains it.
        return @{ Status = $status; Body = $text }
    }
    $parseError = $null
    $answer = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($text, [ref]$parseError)
    if ($null -ne $parseError -or -not $answer.access_token) {
        return @{ Status = 502; Body = '{"error":"invalid_response","error_description":"the identity platform answered without a token"}' }
    }
    $expiresOn = $now + [long]$answer.expires_in
    $body = '{"access_token":' + (ConvertTo-PhotoSyncJsonString -Text $answer.access_token) + ',"expires_on":"' + $expiresOn +
    '","resource":' + (ConvertTo-PhotoSyncJsonString -Text $Resource) + ',"token_type":"Bearer"}'
    $Broker.Tokens[$Resource] = @{ Body = $body; ExpiresOn = $expiresOn }
    return @{ Status = 200; Body = $body }
}
