import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from '../bridge/contract';

// window.api is exactly the contract's channels; ipcRenderer itself never reaches the page.
contextBridge.exposeInMainWorld(
  'api',
  buildApi((channel, request) => ipcRenderer.invoke(channel, request)),
);
