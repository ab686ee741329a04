// Jinguo (巾帼) — page behaviour. The CSP forbids inline scripts, so everything lives here.
// Plain ES2017, no build step. Loaded after vendor/htmx.min.js; uses event delegation on
// document so it also covers content that htmx swaps in later.
(function () {
  'use strict';

  // Menu toggle: on phones the sidebar is hidden until the .menu-toggle button opens it.
  function setMenu(open) {
    var sidebar = document.querySelector('.sidebar');
    if (!sidebar) return;
    sidebar.classList.toggle('open', open);
    var toggles = document.querySelectorAll('.menu-toggle');
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute('aria-expanded', open ? 'true' : 'false');
    }
  }

  document.addEventListener('click', function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;

    var toggle = target.closest('.menu-toggle');
    if (toggle) {
      ev.preventDefault();
      var sidebar = document.querySelector('.sidebar');
      setMenu(!(sidebar && sidebar.classList.contains('open')));
      return;
    }

    // Confirm on a button: <button data-confirm="将删除……，确定吗？">.
    // Remembered so the form's submit handler does not ask a second time.
    var button = target.closest('button[data-confirm], input[type="submit"][data-confirm]');
    if (button && !button.disabled) {
      if (!window.confirm(button.dataset.confirm)) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        return;
      }
      var form = button.form;
      if (form) {
        // The submit event (if any) fires synchronously after this click; clear the mark
        // afterwards in case validation blocked the submission.
        form.dataset.confirmed = '1';
        setTimeout(function () { delete form.dataset.confirmed; }, 0);
      }
    }
  }, true);

  // Escape closes the phone menu.
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape') return;
    var sidebar = document.querySelector('.sidebar.open');
    if (!sidebar) return;
    setMenu(false);
    var toggle = document.querySelector('.menu-toggle');
    if (toggle) toggle.focus();
  });

  // Confirm on a form: <form data-confirm="……">. Capture phase, so a refusal stops the
  // submit before htmx (hx-post on a form) or the browser acts on it.
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.confirmed === '1') {
      delete form.dataset.confirmed;
      return;
    }
    if (form.hasAttribute('data-confirm') && !window.confirm(form.dataset.confirm)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);

  // Auto-submit: <select data-autosubmit> submits its form when changed.
  // requestSubmit fires the submit event, so htmx-driven forms and data-confirm still apply.
  document.addEventListener('change', function (ev) {
    var el = ev.target;
    if (!(el instanceof HTMLSelectElement) || !el.hasAttribute('data-autosubmit')) return;
    var form = el.form;
    if (!form) return;
    if (typeof form.requestSubmit === 'function') {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
})();
