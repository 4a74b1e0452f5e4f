# Stable mapping from error codes to PowerShell categories: the core's codes (src/schema.rs
# ErrorCode) and the module's own (binary, connection and input problems found before a run).

function Get-PhotoSyncErrorCategory([string]$Code) {
    switch ($Code) {
        'config' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'not-available' { return [System.Management.Automation.ErrorCategory]::NotImplemented }
        'bad-input-line' { return [System.Management.Automation.ErrorCategory]::InvalidData }
        'bad-csv-row' { return [System.Management.Automation.ErrorCategory]::InvalidData }
        'no-identity' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'duplicate-user' { return [System.Management.Automation.ErrorCategory]::InvalidOperation }
        'photo-unreadable' { return [System.Management.Automation.ErrorCategory]::InvalidData }
        'photo-unsupported-format' { return [System.Management.Automation.ErrorCategory]::InvalidType }
        'photo-too-large' { return [System.Management.Automation.ErrorCategory]::LimitsExceeded }
        'photo-file-unreadable' { return [System.Management.Automation.ErrorCategory]::ReadError }
        'user-not-found' { return [System.Management.Automation.ErrorCategory]::ObjectNotFound }
        'auth-failed' { return [System.Management.Automation.ErrorCategory]::AuthenticationError }
        'permission-denied' { return [System.Management.Automation.ErrorCategory]::PermissionDenied }
        'blocked-by-policy' { return [System.Management.Automation.ErrorCategory]::SecurityError }
        'throttled' { return [System.Management.Automation.ErrorCategory]::LimitsExceeded }
        'transient' { return [System.Management.Automation.ErrorCategory]::ConnectionError }
        'store-rejected' { return [System.Management.Automation.ErrorCategory]::WriteError }
        'verify-failed' { return [System.Management.Automation.ErrorCategory]::WriteError }
        'identity-mismatch' { return [System.Management.Automation.ErrorCategory]::InvalidResult }
        'ambiguous-identity' { return [System.Management.Automation.ErrorCategory]::InvalidResult }
        'name-collision' { return [System.Management.Automation.ErrorCategory]::ResourceExists }
        'sharepoint-profile-write-denied' { return [System.Management.Automation.ErrorCategory]::PermissionDenied }
        'credential-not-supported' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'no-mailbox' { return [System.Management.Automation.ErrorCategory]::ResourceUnavailable }
        'cloud-sandbox' { return [System.Management.Automation.ErrorCategory]::NotImplemented }
        'binary-missing' { return [System.Management.Automation.ErrorCategory]::ObjectNotFound }
        'binary-unusable' { return [System.Management.Automation.ErrorCategory]::NotInstalled }
        'schema-mismatch' { return [System.Management.Automation.ErrorCategory]::InvalidType }
        'bad-output' { return [System.Management.Automation.ErrorCategory]::ParserError }
        'core-failed' { return [System.Management.Automation.ErrorCategory]::InvalidResult }
        'no-result' { return [System.Management.Automation.ErrorCategory]::OperationStopped }
        'no-input' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'drift' { return [System.Management.Automation.ErrorCategory]::InvalidResult }
        'array-value' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'bad-path' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
    }
    return [System.Management.Automation.ErrorCategory]::NotSpecified
}
