# The non-terminating error of a piped user the module refuses before the core sees it (the
# pipeline goes on): array-value (Detail: the property and its values), photo-unreadable
# (Detail: what is wrong with the piped thumbnailPhoto), photo-too-large (Detail: its length in
# bytes), photo-file-unreadable (Detail: what is wrong with the PhotoPath).

function Write-PhotoSyncInputError($Core, [string]$Code, $Detail, $InputObject, $Label) {
    switch ($Code) {
        'array-value' {
            $name = $Detail[0]
            $values = @($Detail[1] | Select-Object -First 3 | ForEach-Object { "$_" }) -join ', '
            $message = "$name holds $(@($Detail[1]).Count) values ($values); one user needs one."
            $hint = "Give one value per object, e.g. Select-Object @{ n = '$name'; e = { `$_.$name[0] } }, or split the object into one per user."
        }
        'photo-unreadable' {
            $message = "the piped thumbnailPhoto $Detail."
            $hint = 'Pipe the photo as bytes (Get-ADUser -Properties thumbnailPhoto) or base64 text, or give a file as PhotoPath.'
        }
        'photo-too-large' {
            $message = 'the piped thumbnailPhoto is {0:N1} MB, over the {1:N0} MB a piped photo may have.' -f ($Detail / 1048576), ($script:PhotoSyncMaxInlinePhotoBytes / 1048576)
            $hint = 'AD holds at most 100 KB in thumbnailPhoto, so this is not an AD photo: check where it comes from, or give a large photo as a file (PhotoPath).'
        }
        'photo-file-unreadable' {
            $message = "the PhotoPath $Detail."
            $hint = 'Give a file-system path: absolute, relative to the current location, ~/..., or on a FileSystem PSDrive.'
        }
    }
    $Core.Cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $Code -TargetObject $InputObject -UserLabel $Label -Message $message -Hint $hint))
}
