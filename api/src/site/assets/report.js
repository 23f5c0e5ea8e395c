// The reporter's pages, with JavaScript: encrypt the description, attachments
// and replies in this browser to the PSIRT's OpenPGP key (/pgp-key.asc) before
// they leave, with openpgp.js served from this origin; open a status link from
// its fragment (which browsers never send to a server) with a POST; check a
// CVSS vector as it is typed. Without this script every page still works.
import * as openpgp from '/assets/openpgp.min.mjs';

const KEPT = 'psirt-report-description';

async function psirtKey() {
  try {
    const res = await fetch('/pgp-key.asc', { cache: 'no-store' });
    if (!res.ok) return null;
    return await openpgp.readKey({ armoredKey: await res.text() });
  } catch {
    return null;
  }
}

async function seal(key, text) {
  return openpgp.encrypt({ message: await openpgp.createMessage({ text }), encryptionKeys: key });
}

async function reportForm(form) {
  const note = document.getElementById('encryption-note');
  const description = form.elements.namedItem('description');
  // Refused after a sealed submission: the text never went back over the wire, this tab kept it.
  const kept = sessionStorage.getItem(KEPT);
  if (kept !== null && document.getElementById('form-error') && !description.value) description.value = kept;
  if (document.getElementById('sent')) sessionStorage.removeItem(KEPT);
  cvssCheck(form.elements.namedItem('cvssVector'));
  const key = await psirtKey();
  if (!key) return;
  const fingerprint = key.getFingerprint().toUpperCase();
  note.textContent = `Your description and attachments will be encrypted in this browser to our OpenPGP key (${fingerprint}) before they are sent.`;
  form.addEventListener('submit', async (event) => {
    if (form.dataset.sealed === '1') return;
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    note.textContent = 'Encrypting…';
    try {
      const input = form.elements.namedItem('attachments');
      const files = [...input.files];
      sessionStorage.setItem(KEPT, description.value);
      const manifest = {
        description: description.value,
        attachments: files.map((f) => ({ name: f.name, type: f.type || 'application/octet-stream' })),
      };
      const sealedFiles = new DataTransfer();
      for (const [i, file] of files.entries()) {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const encrypted = await openpgp.encrypt({
          message: await openpgp.createMessage({ binary: bytes }),
          encryptionKeys: key,
          format: 'binary',
        });
        sealedFiles.items.add(new File([encrypted], `attachment-${i + 1}.pgp`, { type: 'application/pgp-encrypted' }));
      }
      form.elements.namedItem('sealed').value = await seal(key, JSON.stringify(manifest));
      input.files = sealedFiles.files;
      description.value = '';
      form.dataset.sealed = '1';
      note.textContent = `Encrypted to ${fingerprint}; sending…`;
      form.submit();
    } catch (error) {
      button.disabled = false;
      note.textContent = `Encryption failed (${error.message}); nothing was sent.`;
    }
  });
}

function cvssCheck(input) {
  const out = document.getElementById('cvss-result');
  if (!input || !out) return;
  let timer;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const vector = input.value.trim();
      if (!vector) {
        out.textContent = '';
        return;
      }
      try {
        const res = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: 'query($v: String!) { cvss(vector: $v) { score severity } }',
            variables: { v: vector },
          }),
        });
        const { data, errors } = await res.json();
        out.textContent = errors?.length ? errors[0].message : `${data.cvss.severity} ${data.cvss.score.toFixed(1)}`;
      } catch {
        out.textContent = '';
      }
    }, 300);
  });
}

async function replyForms(forms) {
  if (!forms.length) return;
  const key = await psirtKey();
  if (!key) return;
  for (const form of forms) {
    const note = form.querySelector('.encryption-note');
    note.textContent = 'Encrypted in this browser to our key before it is sent.';
    form.addEventListener('submit', async (event) => {
      if (form.dataset.sealed === '1') return;
      event.preventDefault();
      const body = form.elements.namedItem('body');
      form.elements.namedItem('sealed').value = await seal(key, body.value);
      body.value = '';
      form.dataset.sealed = '1';
      form.submit();
    });
  }
}

// A status link: the token is in the fragment; send it in a POST body and forget the fragment.
const entry = document.getElementById('status-entry');
if (entry && location.hash.length > 1 && !document.querySelector('[role=alert]')) {
  entry.elements.namedItem('token').value = decodeURIComponent(location.hash.slice(1));
  history.replaceState(null, '', location.pathname);
  entry.submit();
}
const report = document.getElementById('report');
if (report) await reportForm(report);
await replyForms([...document.querySelectorAll('form.reply')]);
