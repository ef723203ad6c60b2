/** What `Get-EXOMailbox | Select ... | Export-Csv` (Windows PowerShell 5.1) gives: a #TYPE line, CRLF, every cell quoted. */
import type { SampleMailbox } from '../../src/emulator/index.js';

export function exportMailboxCsv(mailboxes: SampleMailbox[]): string {
  const cols = ['DisplayName', 'PrimarySmtpAddress', 'UserPrincipalName', 'EmailAddresses', 'ExternalDirectoryObjectId', 'Guid', 'RecipientTypeDetails', 'Alias'] as const;
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const lines = mailboxes.map((m) => cols.map((c) => q(c === 'EmailAddresses' ? m.EmailAddresses.join(';') : String(m[c]))).join(','));
  return ['#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox', cols.map(q).join(','), ...lines].join('\r\n') + '\r\n';
}
