/** Chinese names of audit actions; an action not listed is shown as recorded. */
export const AUDIT_ACTIONS: Record<string, string> = {
  'staff.login': '登录',
  'staff.logout': '退出登录',
  'staff.create': '新建人员',
  'staff.disable': '停用人员',
  'staff.enable': '启用人员',
  'staff.password_reset': '重置他人密码',
  'staff.password_change': '修改本人密码',
  'areas.import': '导入村居',
  'resident.view_full': '查看居民完整信息',
  'referral.view_full': '查看救助个案完整信息',
  'referral.photo_view': '查看救助个案照片',
  'insurance.enrolment_view_full': '查看参保完整信息',
  'insurance.export_xlsx': '导出保险公司名单',
  'insurance.policy_import': '导入保单号',
  'insurance.product_create': '新建保险产品',
  'insurance.product_update': '修改保险产品',
  'talk.export_full': '导出讲座报名（完整）',
  'talk.export_masked': '导出讲座报名（脱敏）',
  'talk.cancel': '取消讲座',
  'talk.feedback.review': '审阅讲座反馈',
  'talk.call_list.view': '查看讲座通话名单',
  'talk.walk_in.add': '登记现场参加人员',
  'talk.walk_in.remove': '删除现场登记',
  'talk.registration.cancel': '取消讲座报名',
  'campaign.create': '新建宣传活动/广播',
  'campaign.update': '修改宣传活动草稿',
  'campaign.pending_review': '提交审核',
  'campaign.approved': '审核通过',
  'campaign.draft': '退回修改',
  'campaign.cancelled': '取消宣传活动/广播',
  'audit.export': '导出审计日志',
  'quiz.contest.create': '新建答题竞赛',
  'quiz.contest.stats_export': '导出竞赛统计',
  'quiz.question.import': '导入题目',
  'quiz.question.export': '导出题库',
  'bot.bind_code.create': '生成群绑定码',
  'bot.room.unbind': '解绑群',
  'bot.dead_item.retry': '重发失败消息',
  'report.yearly.generate': '生成年度报告',
};

export const auditActionLabel = (action: string): string => AUDIT_ACTIONS[action] ?? action;

export const CAMPAIGN_STATUS: Record<string, { label: string; type: 'info' | 'warning' | 'success' | 'primary' | 'danger' }> = {
  draft: { label: '草稿', type: 'info' },
  pending_review: { label: '待审核', type: 'warning' },
  approved: { label: '已通过，待发送', type: 'primary' },
  active: { label: '进行中', type: 'primary' },
  finished: { label: '已发送', type: 'success' },
  cancelled: { label: '已取消', type: 'info' },
};

export const CAMPAIGN_KINDS: Record<string, string> = { campaign: '宣传活动', broadcast: '群广播', daily_tips: '每日健康提示' };

export const DELIVERY_STATUS: Record<string, { label: string; type: 'info' | 'warning' | 'success' | 'danger' }> = {
  pending: { label: '待发送', type: 'warning' },
  sent: { label: '已发送', type: 'success' },
  dead: { label: '发送失败', type: 'danger' },
  cancelled: { label: '已取消', type: 'info' },
};
