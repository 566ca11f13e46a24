// Streamlit's own interface words (screen-reader labels, hover titles, the upload box's messages) in Indonesian.
// WORDS is filled in by app/interface_words.py: [[pattern source, replacement], ...] for attributes and for texts.
(() => {
  if (window.ppaInterfaceWords) return;
  window.ppaInterfaceWords = true;
  const WORDS = __WORDS__;
  const compile = (pairs) => pairs.map(([source, words]) => [new RegExp(source), words]);
  const labels = compile(WORDS.labels), texts = compile(WORDS.texts);
  const swap = (text, pairs) => {
    for (const [pattern, words] of pairs) if (pattern.test(text)) return text.replace(pattern, words);
    return null;
  };
  const translate = () => {
    for (const name of ["aria-label", "title", "data-title"]) {
      for (const el of document.querySelectorAll(`[${name}]`)) {
        const words = swap(el.getAttribute(name), labels);
        if (words) el.setAttribute(name, words);
      }
    }
    for (const el of document.querySelectorAll('[data-testid="stFileUploader"] [role="alert"], [data-testid="stTooltipContent"]')) {
      const words = swap(el.textContent.trim(), texts);
      if (words) el.textContent = words;
    }
  };
  new MutationObserver(translate).observe(document.body, {subtree: true, childList: true, characterData: true,
                                                          attributes: true, attributeFilter: ["aria-label", "title", "data-title"]});
  translate();
})();
