/**
 * Saves text as a file through a Blob URL and a download link (no `downloads` permission needed). The URL is
 * revoked a little later: revoking at once can cancel the download in some browsers.
 */
export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
