# Sync-UserPhoto's -InputPhoto, the photo a Get-PhotoSyncStatus object carries, as the photo
# bytes and path to send. After Export-Csv and Import-Csv it is text: a path is used as one; the
# text of a piped photo ("thumbnailPhoto (N bytes)") lost its bytes, so that user gets an error
# instead of being skipped as having no photo. Returns $null after writing that error.

function Resolve-PhotoSyncInputPhoto($Cmdlet, $InputPhoto, $InputObject, $Label) {
    if ($InputPhoto -is [string]) {
        if ($InputPhoto -notmatch '^thumbnailPhoto \(\d+ bytes\)$') { return @{ Photo = $null; Path = $InputPhoto } }
        $Cmdlet.WriteError((New-PhotoSyncErrorRecord -Code 'photo-unreadable' -TargetObject $InputObject -UserLabel $Label `
                    -Message "InputPhoto is the text '$InputPhoto': the photo's bytes do not survive Export-Csv." `
                    -Hint 'Pipe the Get-PhotoSyncStatus objects straight into Sync-UserPhoto, or give the photo as a PhotoPath column.'))
        return $null
    }
    # Also a status object that went through Export-Clixml or remoting (Deserialized.PhotoSync.InputPhoto).
    if (@($InputPhoto.PSObject.TypeNames) -like '*PhotoSync.InputPhoto') { return @{ Photo = $InputPhoto.Bytes; Path = $InputPhoto.Path } }
    return @{ Photo = $null; Path = $null }
}
