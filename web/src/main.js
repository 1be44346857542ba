import { createApp } from 'vue'
// Element Plus's styles as one file: its components come per screen, but
// one cached stylesheet beats some thirty small ones on a cold start.
import 'element-plus/dist/index.css'
import './console.css'
import App from './App.vue'
import { router } from './router.js'

createApp(App).use(router).mount('#app')
