@{
    RootModule           = 'ZivverAccountKey.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0e7c52-3f7e-4a5e-9d0c-7a2f6c1e4b91'
    Author               = 'zivver-keytool contributors'
    CompanyName          = 'zivver-keytool'
    Copyright            = '(c) zivver-keytool contributors. MIT License.'
    Description          = 'Rewrite the SSO account key (ZivverAccountKey / SCIM SsoAccountKey) of Zivver accounts in bulk from Exchange Online, Entra ID or CSV data, through zivver-keytool.exe: plan, confirm, apply.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('ZivverAccountKey.format.ps1xml')
    TypesToProcess       = @('ZivverAccountKey.types.ps1xml')
    FunctionsToExport    = @('Get-ZivverKeyPlan', 'Set-ZivverAccountKey', 'Test-ZivverConnection')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Zivver', 'SSO', 'SAML', 'SCIM', 'ExchangeOnline', 'EntraID', 'Migration')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
