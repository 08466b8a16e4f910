import { createApp, watch } from 'vue';
import App from './App.vue';
import { router } from './router';
import { session } from './lib/session';
// ElMessage and ElMessageBox are called as functions, which the per-component style import does not see.
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import './styles.css';

const app = createApp(App);
app.use(router);
// A refused token (expired, revoked by a password change, account disabled) sends the person back to login.
watch(
  () => session.expired,
  (expired) => {
    if (expired && router.currentRoute.value.name !== 'login') void router.push({ name: 'login', query: { expired: '1' } });
  },
);
app.mount('#app');
