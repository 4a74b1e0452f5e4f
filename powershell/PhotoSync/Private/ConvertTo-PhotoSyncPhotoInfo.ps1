# A photo of a record (format, size, hashes, the signature "same picture" is decided on) as a
# PhotoSync.PhotoInfo; its ToString is one short line, so no signature ends up in a CSV.

function ConvertTo-PhotoSyncPhotoInfo($Photo) {
    if ($null -eq $Photo) { return $null }
    return [pscustomobject]@{
        PSTypeName = 'PhotoSync.PhotoInfo'
        Format     = $Photo.format
        Width      = $Photo.width
        Height     = $Photo.height
        Bytes      = $Photo.bytes
        Sha256     = $Photo.sha256
        PHash      = $Photo.phash
        Signature  = $Photo.signature
    }
}
