/** The Microsoft Graph group's flags as yargs gives them with no sign-in method chosen (a tenant and an app only). */
export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '11111111-2222-3333-4444-555555555555';

export const graphSignInDefaults = {
  tenantId: TENANT_ID,
  clientId: CLIENT_ID,
  deviceCode: false,
  managedIdentity: false,
  authorityHost: 'https://login.microsoftonline.com',
  graphUrl: 'https://graph.microsoft.com',
} as const;
