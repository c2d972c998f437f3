// Copy buttons for the connector URLs. Without the clipboard API (an insecure origin) the URL is
// selected instead, so Ctrl+C finishes the job.
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("copy-status");
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const code = document.getElementById(button.dataset.copy);
      const url = code.textContent.trim();
      try {
        await navigator.clipboard.writeText(url);
        status.textContent = `Copied ${url}`;
      } catch {
        const range = document.createRange();
        range.selectNodeContents(code);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        status.textContent = `Selected ${url}: press Ctrl+C (⌘C) to copy it.`;
      }
    });
  }
});
