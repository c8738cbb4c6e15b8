import init from '/console-ui.js';
init({ module_or_path: '/console-ui_bg.wasm' });
